//! Deploy commands in CI scripts: `flyctl deploy`, `railway up`, `vercel deploy`,
//! `netlify deploy`, `wrangler pages deploy`, `docker build`/`push`, a Render deploy hook,
//! a `git push` to a Space or to Heroku.
//!
//! Nothing is run: a script is split into words the way a shell would (quotes, `\`
//! continuations, `&&`, `;`, `|`) and each command is recognised by its program and
//! subcommand. Variables are not expanded: `--service $ID` names the service `$ID`.

use std::collections::BTreeMap;

use super::super::target::{Build, DockerBuild, Platform};
use crate::paths::{clean_repo_path, join};

/// A deploy one command makes, run in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandDeploy {
    pub platform: Platform,
    /// The app, service, project or site the command names (`-a`, `--service`,
    /// `--project-name`, `--site`), variables unexpanded.
    pub app: Option<String>,
    /// The directory the deploy is made from (flyctl's working directory, `railway up`'s
    /// path, the uploaded site's directory), repository-relative.
    pub dir: String,
    /// The config file the command names (flyctl `--config`), repository-relative.
    pub config: Option<String>,
    /// What the command itself says is built; `Build::Unknown` when the platform's config
    /// decides (a fly.toml, a railway.json).
    pub build: Build,
    /// A `--no-cache` (or `--build-arg` of a value the shell computes) that makes every
    /// build start cold.
    pub no_cache: bool,
    /// The words that identify the command in the file, to find its line.
    pub needle: String,
}

impl CommandDeploy {
    /// A deploy to `platform` from `dir` whose build the platform's config decides, found
    /// in the file by the words of `needle`.
    pub fn new(platform: Platform, dir: String, needle: &str) -> CommandDeploy {
        CommandDeploy {
            platform,
            app: None,
            dir,
            config: None,
            build: Build::Unknown,
            no_cache: false,
            needle: needle.to_owned(),
        }
    }
}

/// The deploys of a shell script run in `cwd`. A `docker build` counts only when the same
/// script also pushes the image (`docker push`, `--push`): a build alone is a test.
pub fn script_deploys(script: &str, cwd: &str) -> Vec<CommandDeploy> {
    let commands = shell_commands(script);
    let pushes_image = commands.iter().any(|w| {
        let w = program_words(w);
        (w.first().map(String::as_str) == Some("docker")
            && w.get(1).map(String::as_str) == Some("push"))
            || w.iter().any(|x| x == "--push")
    });
    let mut out = Vec::new();
    // `cd DIR && flyctl deploy`: a `cd` moves every later command of the script.
    let mut here = cwd.to_owned();
    let cwd = &mut here;
    for words in &commands {
        let words = program_words(words);
        let Some(program) = words.first() else {
            continue;
        };
        let program = program.rsplit('/').next().unwrap_or(program);
        if program == "cd" {
            if let Some(dir) = words.get(1).filter(|d| !d.starts_with(['$', '~', '-'])) {
                if let Some(moved) = clean_repo_path(&join(cwd, dir)) {
                    *cwd = moved;
                }
            }
            continue;
        }
        let cwd: &str = cwd;
        let found = match program {
            "flyctl" | "fly" => fly(&words, cwd),
            "railway" => railway(&words, cwd),
            "vercel" => vercel(&words, cwd),
            "netlify" => netlify(&words, cwd),
            "wrangler" => wrangler(&words, cwd),
            "docker" if pushes_image => docker(&words, cwd),
            "curl" | "wget" => render_hook(&words, cwd),
            "git" => git_push(&words, cwd),
            _ => None,
        };
        out.extend(found);
    }
    out
}

/// A command's words from its program on: `NAME=value` assignments, `sudo`, `npx`,
/// `pnpm dlx`/`exec`, `yarn`, `bunx` and `-y` dropped; `vercel@latest` read as `vercel`.
fn program_words(words: &[String]) -> Vec<String> {
    let mut rest: &[String] = words;
    loop {
        match rest.first().map(String::as_str) {
            Some(w) if is_assignment(w) => rest = &rest[1..],
            Some("sudo" | "npx" | "bunx" | "yarn" | "exec" | "-y" | "--yes") => rest = &rest[1..],
            Some("pnpm" | "npm") => {
                rest = &rest[1..];
                if matches!(
                    rest.first().map(String::as_str),
                    Some("dlx" | "exec" | "run")
                ) {
                    rest = &rest[1..];
                }
            }
            _ => break,
        }
    }
    rest.iter()
        .enumerate()
        .map(|(i, w)| {
            if i > 0 {
                return w.clone();
            }
            // `@railway/cli` is the scope's CLI; `vercel@latest` is vercel.
            if let Some(scoped) = w.strip_prefix('@') {
                return scoped.split('/').next().unwrap_or(scoped).to_owned();
            }
            w.split('@').next().unwrap_or(w).to_owned()
        })
        .collect()
}

/// Options of a command: flags taking a value (`--config x`, `--config=x`) and positional
/// words, in order.
struct Options<'w> {
    values: Vec<(&'w str, &'w str)>,
    flags: Vec<&'w str>,
    positional: Vec<&'w str>,
}

impl<'w> Options<'w> {
    /// Reads `words` (after the program), where `valued` lists the flags taking a value.
    fn parse(words: &'w [String], valued: &[&str]) -> Options<'w> {
        let mut out = Options {
            values: Vec::new(),
            flags: Vec::new(),
            positional: Vec::new(),
        };
        let mut iter = words.iter();
        while let Some(w) = iter.next() {
            if let Some((flag, value)) = w.split_once('=').filter(|(f, _)| f.starts_with('-')) {
                out.values.push((flag, value));
            } else if valued.contains(&w.as_str()) {
                if let Some(v) = iter.next() {
                    out.values.push((w, v));
                }
            } else if w.starts_with('-') {
                out.flags.push(w);
            } else {
                out.positional.push(w);
            }
        }
        out
    }

    fn value(&self, names: &[&str]) -> Option<&'w str> {
        self.values
            .iter()
            .rev()
            .find(|(f, _)| names.contains(f))
            .map(|&(_, v)| v)
    }

    fn all(&self, names: &[&str]) -> Vec<&'w str> {
        self.values
            .iter()
            .filter(|(f, _)| names.contains(f))
            .map(|&(_, v)| v)
            .collect()
    }

    fn has(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|f| names.contains(f))
    }
}

/// flyctl flags that take a value as the next word.
const FLY_VALUED: &[&str] = &[
    "-c",
    "--config",
    "-a",
    "--app",
    "--dockerfile",
    "--build-arg",
    "--build-secret",
    "--build-target",
    "-i",
    "--image",
    "-r",
    "--region",
    "--strategy",
    "-e",
    "--env",
    "--ignorefile",
    "--label",
    "--vm-size",
    "--vm-memory",
    "--vm-cpus",
    "--wait-timeout",
    "--file-literal",
    "--file-local",
    "--file-secret",
    "--image-label",
    "--depot-scope",
    "--primary-region",
    "--release-command-timeout",
    "--lease-timeout",
    "-t",
    "--access-token",
    "--org",
    "-o",
];

/// `flyctl [-c F] deploy [WORKING_DIRECTORY] …`. flyctl changes into WORKING_DIRECTORY
/// before it loads the config, so a relative `--config` is resolved from there, and that
/// directory is the build context (superfly/flyctl `internal/command/deploy/deploy.go`:
/// `ChangeWorkingDirectoryToFirstArgIfPresent`; the builders use
/// `state.WorkingDirectory`). `-c DIR` reads `DIR/fly.toml` (`internal/flag/flag.go`).
fn fly(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let o = Options::parse(&words[1..], FLY_VALUED);
    let (first, rest) = o.positional.split_first()?;
    if *first != "deploy" {
        return None;
    }
    let dir = match rest.first() {
        Some(d) => clean_repo_path(&join(cwd, d))?,
        None => cwd.to_owned(),
    };
    let config = clean_repo_path(&join(
        &dir,
        o.value(&["-c", "--config"]).unwrap_or("fly.toml"),
    ))?;
    let config = if [".toml", ".json", ".yaml"]
        .iter()
        .any(|s| config.ends_with(s))
    {
        config
    } else {
        join(&config, "fly.toml")
    };
    let mut d = CommandDeploy::new(Platform::Fly, dir, &format!("{} deploy", words[0]));
    d.app = o.value(&["-a", "--app"]).map(str::to_owned);
    d.config = Some(config);
    if let Some(image) = o.value(&["-i", "--image"]) {
        d.build = Build::Image(image.to_owned());
    } else {
        let mut docker = DockerBuild {
            dockerfile: o
                .value(&["--dockerfile"])
                .and_then(|f| clean_repo_path(&join(&d.dir, f)))
                .unwrap_or_default(),
            context: d.dir.clone(),
            target: o.value(&["--build-target"]).map(str::to_owned),
            ..DockerBuild::default()
        };
        read_build_args(
            &o.all(&["--build-arg"]),
            &mut docker.args,
            &mut docker.cli_args,
        );
        d.build = Build::Docker(docker);
    }
    d.no_cache = o.has(&["--no-cache"]);
    Some(d)
}

/// `--build-arg NAME=value` (or `NAME`, taken from the environment): names in order,
/// literal values kept.
fn read_build_args(given: &[&str], args: &mut BTreeMap<String, String>, names: &mut Vec<String>) {
    for a in given {
        let (name, value) = a.split_once('=').unwrap_or((a, ""));
        if name.is_empty() {
            continue;
        }
        names.push(name.to_owned());
        if !value.contains('$') && !value.contains('`') {
            args.insert(name.to_owned(), value.to_owned());
        }
    }
}

/// `railway up [PATH] [--service S]`: uploads PATH (default the current directory) and
/// builds it as the linked service does (docs.railway.com/cli/up).
fn railway(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let o = Options::parse(
        &words[1..],
        &["-s", "--service", "-e", "--environment", "-p", "--project"],
    );
    let (first, rest) = o.positional.split_first()?;
    if *first != "up" {
        return None;
    }
    let dir = match rest.first() {
        Some(p) => clean_repo_path(&join(cwd, p))?,
        None => cwd.to_owned(),
    };
    let mut d = CommandDeploy::new(Platform::Railway, dir, "railway up");
    d.app = o.value(&["-s", "--service"]).map(str::to_owned);
    Some(d)
}

/// `vercel [deploy] [DIR] [--prod]`; `vercel pull`, `build`, `env`… deploy nothing.
fn vercel(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let o = Options::parse(
        &words[1..],
        &[
            "-t",
            "--token",
            "--scope",
            "--local-config",
            "-A",
            "--archive",
            "-e",
            "--env",
            "-b",
            "--build-env",
            "--cwd",
        ],
    );
    let mut positional = o.positional.as_slice();
    if positional.first() == Some(&"deploy") {
        positional = &positional[1..];
    } else if positional.first().is_some_and(|p| is_subcommand(p)) {
        return None;
    }
    let base = o.value(&["--cwd"]).unwrap_or(".");
    let dir = clean_repo_path(&join(&join(cwd, base), positional.first().unwrap_or(&".")))?;
    let mut d = CommandDeploy::new(Platform::Vercel, dir.clone(), "vercel");
    d.build = Build::Site(dir);
    Some(d)
}

/// A word that is a CLI's subcommand, not a directory: lower-case letters and dashes.
fn is_subcommand(word: &str) -> bool {
    !word.contains('/')
        && !word.contains('.')
        && word.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

/// `netlify deploy [--dir D] [--prod] [--site S]`.
fn netlify(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let o = Options::parse(
        &words[1..],
        &[
            "-d",
            "--dir",
            "-s",
            "--site",
            "-a",
            "--auth",
            "-m",
            "--message",
            "-f",
            "--functions",
            "--filter",
            "--alias",
        ],
    );
    if o.positional.first() != Some(&"deploy") {
        return None;
    }
    let dir = clean_repo_path(&join(cwd, o.value(&["-d", "--dir"]).unwrap_or(".")))?;
    let mut d = CommandDeploy::new(Platform::Netlify, cwd.to_owned(), "netlify deploy");
    d.app = o.value(&["-s", "--site"]).map(str::to_owned);
    d.build = Build::Site(dir);
    Some(d)
}

/// `wrangler pages deploy DIR [--project-name P]` (`pages publish` in older releases): a
/// Direct Upload of a built directory.
fn wrangler(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let o = Options::parse(
        &words[1..],
        &[
            "--project-name",
            "--branch",
            "--commit-hash",
            "--commit-message",
            "-c",
            "--config",
        ],
    );
    match o.positional.as_slice() {
        ["pages", "deploy" | "publish", rest @ ..] => {
            let dir = clean_repo_path(&join(cwd, rest.first().unwrap_or(&".")))?;
            let mut d =
                CommandDeploy::new(Platform::CloudflarePages, cwd.to_owned(), "pages deploy");
            d.app = o.value(&["--project-name"]).map(str::to_owned);
            d.build = Build::Site(dir);
            Some(d)
        }
        _ => None,
    }
}

/// `docker build`/`docker buildx build` (`-f`, `--target`, `--build-arg`, CONTEXT).
fn docker(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let o = Options::parse(
        &words[1..],
        &[
            "-f",
            "--file",
            "-t",
            "--tag",
            "--target",
            "--build-arg",
            "--platform",
            "--cache-from",
            "--cache-to",
            "--label",
            "--secret",
            "--ssh",
            "--progress",
            "--network",
            "--builder",
            "-o",
            "--output",
            "--build-context",
        ],
    );
    let rest = match o.positional.as_slice() {
        ["build", rest @ ..] | ["buildx", "build", rest @ ..] | ["image", "build", rest @ ..] => {
            rest
        }
        _ => return None,
    };
    let context = clean_repo_path(&join(cwd, rest.first()?))?;
    let dockerfile = match o.value(&["-f", "--file"]) {
        // `-f` is relative to the current directory, not the context.
        Some(f) => clean_repo_path(&join(cwd, f))?,
        None => join(&context, "Dockerfile"),
    };
    let mut d = CommandDeploy::new(Platform::Container, context.clone(), "docker build");
    d.app = o
        .value(&["-t", "--tag"])
        .map(|t| t.split(':').next().unwrap_or(t).to_owned());
    let mut build = DockerBuild {
        dockerfile,
        context,
        target: o.value(&["--target"]).map(str::to_owned),
        ..DockerBuild::default()
    };
    read_build_args(
        &o.all(&["--build-arg"]),
        &mut build.args,
        &mut build.cli_args,
    );
    d.build = Build::Docker(build);
    d.no_cache = o.has(&["--no-cache"]);
    Some(d)
}

/// A POST to a Render deploy hook (`https://api.render.com/deploy/srv-…`, or a
/// `$RENDER_DEPLOY_HOOK…` variable): a deploy that ignores Render's build filters
/// (render.com/docs/deploy-hooks).
fn render_hook(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let hook = words[1..].iter().find(|w| {
        w.contains("api.render.com/deploy") || w.to_ascii_uppercase().contains("RENDER_DEPLOY_HOOK")
    })?;
    let mut d = CommandDeploy::new(Platform::Render, cwd.to_owned(), words[0].as_str());
    d.app = Some(hook.clone());
    Some(d)
}

/// `git push URL …` to a Hugging Face Space or a Heroku app: the remote builds what it is
/// sent.
fn git_push(words: &[String], cwd: &str) -> Option<CommandDeploy> {
    let o = Options::parse(&words[1..], &["-C", "-c", "--repo"]);
    let ["push", rest @ ..] = o.positional.as_slice() else {
        return None;
    };
    let remote = o.value(&["--repo"]).or_else(|| rest.first().copied())?;
    let platform = if remote.contains("huggingface.co/spaces/") || remote.contains("hf.co/spaces/")
    {
        Platform::Huggingface
    } else if remote.contains("heroku.com") || remote == "heroku" {
        Platform::Heroku
    } else {
        return None;
    };
    let mut d = CommandDeploy::new(platform, cwd.to_owned(), "git push");
    // The app is the URL's last component, without `.git` (and without credentials).
    let last = remote.rsplit('/').next().unwrap_or(remote);
    d.app = Some(last.trim_end_matches(".git").to_owned());
    Some(d)
}

/// Splits a shell script into commands of words: lines joined at `\` continuations, then
/// split at `&&`, `||`, `;` and `|`, quotes removed. Comments are dropped.
pub fn shell_commands(script: &str) -> Vec<Vec<String>> {
    let joined = squeeze_expressions(&script.replace("\\\n", " "));
    let mut out = Vec::new();
    for line in joined.lines() {
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut chars = line.chars().peekable();
        let flush = |word: &mut String, words: &mut Vec<String>| {
            if !word.is_empty() {
                words.push(std::mem::take(word));
            }
        };
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if word.is_empty() => break,
                (None, c) if c.is_whitespace() => flush(&mut word, &mut words),
                (None, ';' | '|' | '&') => {
                    flush(&mut word, &mut words);
                    if chars.peek() == Some(&c) {
                        chars.next();
                    }
                    out.push(std::mem::take(&mut words));
                }
                (None, c) => word.push(c),
            }
        }
        flush(&mut word, &mut words);
        out.push(words);
    }
    out.retain(|w| !w.is_empty());
    out
}

/// The script with the whitespace inside each GitHub expression (`${{ github.sha }}`)
/// removed: GitHub substitutes the expression before the shell runs, so it is one word.
fn squeeze_expressions(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match after.find("}}") {
            Some(end) => {
                out.extend(after[..end + 2].chars().filter(|c| !c.is_whitespace()));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `NAME=value`, as a shell reads it before a command.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(script: &str, cwd: &str) -> CommandDeploy {
        let mut all = script_deploys(script, cwd);
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn flyctl_context_config_and_arguments() {
        let d = one("flyctl deploy . --config apps/api/fly.toml --remote-only --build-arg CACHEBUST=$(date +%s) --build-arg MODE=prod", "");
        assert_eq!(
            (d.dir.as_str(), d.config.as_deref()),
            ("", Some("apps/api/fly.toml"))
        );
        let Build::Docker(b) = &d.build else { panic!() };
        assert_eq!(b.cli_args, ["CACHEBUST", "MODE"]);
        assert_eq!(b.args.get("MODE").map(String::as_str), Some("prod"));
        assert!(!b.args.contains_key("CACHEBUST"));
        let d = one(
            "flyctl deploy --remote-only --build-arg STAMP=${{ github.run_id }} --app x",
            "",
        );
        let Build::Docker(b) = &d.build else { panic!() };
        assert_eq!(
            (d.dir.as_str(), b.cli_args.as_slice()),
            ("", ["STAMP".to_owned()].as_slice())
        );
        let d = one("fly deploy api -c worker -a my-app --no-cache", "services");
        assert_eq!(d.dir, "services/api");
        assert_eq!(d.config.as_deref(), Some("services/api/worker/fly.toml"));
        assert_eq!(d.app.as_deref(), Some("my-app"));
        assert!(d.no_cache);
        let d = one("flyctl deploy --image registry.fly.io/x:latest", "");
        assert_eq!(d.build, Build::Image("registry.fly.io/x:latest".into()));
        assert!(script_deploys(
            "flyctl secrets set A=1\necho fly deploy\nflyctl deploy ../out",
            ""
        )
        .is_empty());
    }

    #[test]
    fn other_platforms() {
        let d = one("npx @railway/cli up --service $SERVICE_ID --detach", "");
        assert_eq!(
            (d.platform, d.app.as_deref()),
            (Platform::Railway, Some("$SERVICE_ID"))
        );
        let d = one("railway up backend --service api", "");
        assert_eq!(
            (d.platform, d.dir.as_str(), d.app.as_deref()),
            (Platform::Railway, "backend", Some("api"))
        );
        let all = script_deploys("vercel pull --yes --environment=production\nvercel build --prod\nvercel deploy --prebuilt --prod", "web");
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].platform, all[0].dir.as_str()),
            (Platform::Vercel, "web")
        );
        let d = one("npx netlify deploy --dir=dist --prod --site $SITE", "site");
        assert_eq!(
            (d.platform, d.build.clone()),
            (Platform::Netlify, Build::Site("site/dist".into()))
        );
        let d = one("npx wrangler pages deploy dist --project-name=docs", "");
        assert_eq!(
            (d.platform, d.app.as_deref()),
            (Platform::CloudflarePages, Some("docs"))
        );
        let d = one("curl -X POST \"$RENDER_DEPLOY_HOOK_URL\"", "");
        assert_eq!(d.platform, Platform::Render);
        let d = one(
            "git push --force https://user:$HF_TOKEN@huggingface.co/spaces/me/demo main",
            "",
        );
        assert_eq!(
            (d.platform, d.app.as_deref()),
            (Platform::Huggingface, Some("demo"))
        );
    }

    #[test]
    fn cd_moves_later_commands() {
        let d = one("cd services/auth && flyctl deploy --remote-only", "");
        assert_eq!(
            (d.dir.as_str(), d.config.as_deref()),
            ("services/auth", Some("services/auth/fly.toml"))
        );
        let d = one("cd web\nnpm ci\ncd ..\nfly deploy -c api/fly.toml", "");
        assert_eq!(d.config.as_deref(), Some("api/fly.toml"));
    }

    #[test]
    fn docker_builds_count_only_when_pushed() {
        assert!(script_deploys("docker build -t app .", "").is_empty());
        let d = one("docker build -f docker/api.Dockerfile --build-arg V=1 -t ghcr.io/o/api:latest .\ndocker push ghcr.io/o/api:latest", "");
        let Build::Docker(b) = &d.build else { panic!() };
        assert_eq!(
            (b.dockerfile.as_str(), b.context.as_str()),
            ("docker/api.Dockerfile", "")
        );
        assert_eq!(b.cli_args, ["V"]);
        assert_eq!(d.app.as_deref(), Some("ghcr.io/o/api"));
    }
}
