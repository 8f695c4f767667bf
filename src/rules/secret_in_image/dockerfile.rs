//! Secrets in Dockerfile instructions (literal values of secret-named `ENV`/`ARG`, `RUN`
//! commands that write them into `.env` files, `COPY`/`ADD` of key and credential files),
//! and the path classes the scan treats apart (generated files, tests and examples).

use super::*;

/// Secrets in the instructions a Dockerfile edit changes, each with its instruction.
pub(super) fn dockerfile_secrets<'e>(
    edit: &'e DockerfileEdit<'_>,
) -> Vec<(&'e Instruction, Found)> {
    let mut out = Vec::new();
    for (_, inst) in edit.changed_instructions() {
        let mut push = |message: String, at_most: Option<Severity>| {
            out.push((
                inst,
                Found {
                    line: inst.start_line,
                    message,
                    at_most,
                },
            ));
        };
        match inst.keyword.as_str() {
            "ENV" => {
                for (name, value) in inst.env_pairs() {
                    if let Some(arg) = secret_arg_copied(&edit.new, &value) {
                        push(
                            format!(
                                "`ENV {}` copies the build argument `{}` into the image's \
                                 environment: whatever value the build is given is stored in \
                                 the image config, readable by anyone who can pull the image",
                                escape(&name),
                                escape(&arg)
                            ),
                            None,
                        );
                        continue;
                    }
                    if is_baked_literal(&name, &value) {
                        push(
                            format!(
                                "`ENV {}` sets a literal secret (`{}`): it is stored in the \
                                 image config, readable by anyone who can pull the image",
                                escape(&name),
                                mask::secret(&value)
                            ),
                            None,
                        );
                    }
                }
            }
            "ARG" => {
                for (name, value) in inst.arg_defs() {
                    if value.as_deref().is_some_and(|v| is_baked_literal(&name, v)) {
                        push(
                            format!(
                                "`ARG {}` has a literal secret default (`{}`): it is in the \
                                 Dockerfile's history and shows in `docker history` of images \
                                 whose RUN steps use it",
                                escape(&name),
                                mask::secret(value.as_deref().unwrap_or(""))
                            ),
                            None,
                        );
                    }
                }
            }
            "COPY" | "ADD" => {
                if let Some(spec) = inst.copy_sources() {
                    for source in spec.sources.iter().filter(|s| is_secret_file(s)) {
                        push(
                            format!(
                                "`{} {}` puts a secrets file into the image: a later `rm` \
                                 does not remove it from the layer",
                                inst.keyword,
                                escape(source)
                            ),
                            None,
                        );
                    }
                }
            }
            "RUN" => {
                for write in env_file_writes(inst) {
                    let (message, at_most) = if write.placeholder {
                        (
                            format!(
                                "RUN writes `{}=…` into `{}` at build time: the value is a \
                                 placeholder now, but a real one would be baked into the layer",
                                escape(&write.name),
                                escape(&write.file)
                            ),
                            Some(Severity::Warn),
                        )
                    } else {
                        (
                            format!(
                                "RUN writes `{}` (`{}`) into `{}` at build time: the value is \
                                 baked into the layer and the RUN command is in `docker history`",
                                escape(&write.name),
                                mask::secret(&write.value),
                                escape(&write.file)
                            ),
                            None,
                        )
                    };
                    push(message, at_most);
                }
            }
            _ => {}
        }
    }
    out
}

/// `ENV`/`ARG` name and value that bake a secret: a secret-like name, a literal (no `$`),
/// non-empty, not a placeholder or trivial value, at least six characters.
pub(super) fn is_baked_literal(name: &str, value: &str) -> bool {
    is_secret_name(name)
        && value.chars().count() >= 6
        && !is_placeholder(value)
        && !is_trivial(value)
}

/// A `NAME=value` written into a `.env` file by a RUN command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EnvFileWrite {
    pub(super) name: String,
    pub(super) value: String,
    pub(super) file: String,
    pub(super) placeholder: bool,
}

/// `echo "API_KEY=…" >> .env`, `printf … > /app/.env`, `… | tee .env`: secret-named literal
/// assignments in a command whose output goes to a file named `.env*`.
pub(super) fn env_file_writes(inst: &Instruction) -> Vec<EnvFileWrite> {
    let text = inst.script();
    let mut out = Vec::new();
    for command in text.split(['\n', ';', '&']) {
        let Some(file) = env_file_target(command) else {
            continue;
        };
        for a in assignments(command, ValueStyle::Config) {
            if !is_secret_name(a.name) || a.value.is_empty() || a.value.contains('$') {
                continue;
            }
            out.push(EnvFileWrite {
                name: a.name.to_owned(),
                value: a.value.to_owned(),
                file: file.clone(),
                placeholder: is_placeholder(a.value) || a.value.chars().count() < 6,
            });
        }
    }
    out
}

/// The `.env*` file a shell command redirects to (`>`, `>>`) or `tee`s into.
pub(super) fn env_file_target(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    for (k, word) in words.iter().enumerate() {
        let target = if let Some(rest) = word.strip_prefix(">>").or_else(|| word.strip_prefix('>'))
        {
            if rest.is_empty() {
                words.get(k + 1).copied()
            } else {
                Some(rest)
            }
        } else if *word == "tee" {
            words
                .get(k + 1..)
                .and_then(|w| w.iter().find(|w| !w.starts_with('-')).copied())
        } else {
            None
        };
        if let Some(target) = target {
            let t = target.trim_matches(|c| c == '"' || c == '\'');
            let base = t.rsplit('/').next().unwrap_or(t);
            if base == ".env" || base.starts_with(".env.") || base.ends_with(".env") {
                return Some(t.to_owned());
            }
        }
    }
    None
}

/// Files that hold secrets by their name: `.env` (not `.env.example` and friends), private
/// keys (`*.key`, `*.pem` that are not certificates, `id_rsa` …), keystores, `credentials*`,
/// JSON key or token files (`sa-key.json`, `token.json`, not `tokenizer.json`), `.netrc`.
/// The secret-named `ARG` an `ENV` value reads (`$DB_PASSWORD`, `${API_TOKEN}`), when the
/// Dockerfile declares it: the build-time value then persists in the image.
fn secret_arg_copied(df: &Dockerfile, value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        let after = rest.get(i + 1..).unwrap_or("");
        let name: String = after
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let declared = df
            .instructions
            .iter()
            .any(|inst| inst.arg_defs().iter().any(|(arg, _)| *arg == name));
        if !name.is_empty() && declared && is_secret_name(&name) {
            return Some(name);
        }
        rest = after;
    }
    None
}

pub(super) fn is_secret_file(source: &str) -> bool {
    let base = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(source);
    // `COPY --from=builder /app/key.json* ./`: the glob names the same file.
    let base = base.trim_end_matches(['*', '?']);
    let name = base.to_ascii_lowercase();
    if name == ".env" || name.starts_with(".env.") {
        const TEMPLATES: &[&str] = &[
            "example", "sample", "template", "dist", "default", "defaults", "schema", "tmpl",
        ];
        return !name.split('.').any(|part| TEMPLATES.contains(&part));
    }
    if matches!(name.as_str(), ".netrc" | ".git-credentials" | ".pgpass") {
        return true;
    }
    for prefix in ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"] {
        if name.starts_with(prefix) {
            return !name.ends_with(".pub");
        }
    }
    if name.starts_with("credentials") {
        return !(name.ends_with(".enc") || name.contains("example") || name.contains("sample"));
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
    let words: Vec<&str> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    match ext {
        "key" | "p12" | "pfx" | "jks" | "keystore" => {
            !words.contains(&"public") && !words.contains(&"pub")
        }
        "pem" => !words.iter().any(|w| {
            matches!(
                *w,
                "cert"
                    | "certs"
                    | "certificate"
                    | "chain"
                    | "fullchain"
                    | "ca"
                    | "cacert"
                    | "bundle"
                    | "pub"
                    | "public"
                    | "root"
            )
        }),
        "json" => {
            words.iter().any(|w| {
                matches!(
                    *w,
                    "key"
                        | "keyfile"
                        | "token"
                        | "credentials"
                        | "credential"
                        | "secret"
                        | "secrets"
                )
            }) || stem.contains("service-account")
                || stem.contains("service_account")
                || stem.contains("serviceaccount")
        }
        _ => false,
    }
}

/// Lockfiles and generated or minified files: machine-written, large, churned on every
/// dependency bump, and full of hashes that are not secrets (gitleaks' default allowlist
/// skips them too). Not read at all.
pub(super) fn is_generated(path: &[u8]) -> bool {
    const LOCKFILES: &[&str] = &[
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "bun.lockb",
        "poetry.lock",
        "pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
        "composer.lock",
        "mix.lock",
        "packages.lock.json",
        "flake.lock",
    ];
    let name = basename(path);
    LOCKFILES
        .iter()
        .any(|l| name.eq_ignore_ascii_case(l.as_bytes()))
        || [".min.js", ".min.css", ".map", ".svg"]
            .iter()
            .any(|ext| ends_with_ignore_case(name, ext.as_bytes()))
        || is_binary_format(name)
}

/// Media, archives, fonts, compiled code and model weights, by extension: formats that hold
/// no text to scan, so a large one is not read for it.
fn is_binary_format(name: &[u8]) -> bool {
    const EXTENSIONS: &[&str] = &[
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "avif",
        "ico",
        "bmp",
        "tif",
        "tiff",
        "heic",
        "pdf",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "zst",
        "7z",
        "rar",
        "jar",
        "war",
        "whl",
        "so",
        "dylib",
        "dll",
        "exe",
        "o",
        "a",
        "class",
        "pyc",
        "wasm",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
        "mp3",
        "mp4",
        "m4a",
        "mov",
        "avi",
        "webm",
        "wav",
        "ogg",
        "flac",
        "sqlite",
        "sqlite3",
        "parquet",
        "onnx",
        "pt",
        "pth",
        "h5",
        "pkl",
        "npy",
        "npz",
        "safetensors",
        "bin",
    ];
    crate::globs::extension(name).is_some_and(|ext| {
        EXTENSIONS
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e.as_bytes()))
    })
}

/// Test, fixture, example and documentation paths, where well-formed fake secrets are
/// common.
pub(super) fn is_fixture_path(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "fixture",
        "fixtures",
        "__fixtures__",
        "testdata",
        "test-data",
        "test_data",
        "mocks",
        "__mocks__",
        "example",
        "examples",
        "sample",
        "samples",
        "doc",
        "docs",
    ];
    let lower = path.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split('/').collect();
    let name = parts.pop().unwrap_or("");
    if parts.iter().any(|p| DIRS.contains(p)) {
        return true;
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "md" | "markdown" | "rst" | "adoc")
        || name.starts_with("test_")
        || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.")
}
