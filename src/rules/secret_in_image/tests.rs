use super::*;
use crate::docker::dockerfile::parse;
use crate::mask::secret as mask;

/// Test tokens are assembled at run time so that this file holds no secret-shaped
/// literal for scanners (GitHub push protection, gitleaks, pushguard itself) to flag.
fn tok(prefix: &str, body: &str, n: usize) -> String {
    let mut s = prefix.to_owned();
    s.extend(body.chars().cycle().take(n));
    s
}

#[test]
fn masking_shows_at_most_four_characters() {
    let aws = tok("AKIA", "Z7Q3XK2M", 16);
    assert_eq!(mask(&aws), "AKIA****");
    assert_eq!(mask("abcdefgh"), "ab****");
    assert_eq!(mask("abc"), "****");
    assert_eq!(mask(""), "****");
    assert_eq!(mask("\u{1b}[2J\u{1b}[2J\u{1b}[2J"), "\\e[2****");
}

#[test]
fn entropy() {
    assert_eq!(shannon_entropy(""), 0.0);
    assert_eq!(shannon_entropy("aaaa"), 0.0);
    assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    assert!(shannon_entropy("q8Zr2LmX0vTn5WbK7yPe") > 4.0);
    assert!(shannon_entropy("passwordpassword") < 3.5);
}

#[test]
fn secret_names_follow_docker_and_skip_non_secrets() {
    for yes in [
        "API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "apiKey",
        "APIKey",
        "GITHUB_TOKEN",
        "db-password",
        "spring.datasource.password",
        "NPM_AUTH",
        "secret",
        "clientSecret",
        "PRIVATE_KEY",
    ] {
        assert!(is_secret_name(yes), "{yes}");
    }
    for no in [
        "PUBLIC_KEY",
        "KEY_FILE",
        "GPG_KEY",
        "PYTHON_VERSION",
        "TOKENIZERS_PARALLELISM",
        "keyboard",
        "monkey",
        "cache_key",
        "AUTH_URL",
        "AWS_ACCESS_KEY_ID",
        "secretName",
    ] {
        assert!(!is_secret_name(no), "{no}");
    }
}

#[test]
fn name_words_split_camel_case() {
    assert_eq!(
        name_words("awsSecretAccessKey"),
        ["aws", "secret", "access", "key"]
    );
    assert_eq!(name_words("APIKey"), ["api", "key"]);
    assert_eq!(name_words("x-api-key"), ["x", "api", "key"]);
    assert_eq!(name_words("OAuth2Token"), ["o", "auth2", "token"]);
}

#[test]
fn known_shapes() {
    let aws = tok("AKIA", "Z7Q3XK2M", 16);
    let hit = known_shape(&format!("aws_access_key_id = {aws}"));
    assert_eq!(
        hit,
        Some(LineHit::Shape {
            kind: AWS,
            token: aws.clone()
        })
    );
    let example = format!("{}EXAMPLE", tok("AKIA", "IOSFODNN7", 9));
    assert_eq!(example.len(), 20);
    assert_eq!(known_shape(&format!("id={example}")), None);
    assert_eq!(known_shape(&format!("X{aws}")), None, "no left boundary");
    assert_eq!(known_shape(&format!("{aws}Z")), None, "too long");
    let gcp = tok("AIza", "Sy-9_xQ", 35);
    assert!(matches!(
        known_shape(&format!("\"{gcp}\"")),
        Some(LineHit::Shape {
            kind: "a GCP API key",
            ..
        })
    ));
    let fly = tok("fo1_", "aB3-_x9Z", 43);
    assert!(matches!(
        known_shape(&fly),
        Some(LineHit::Shape {
            kind: "a Fly.io access token",
            ..
        })
    ));
    let macaroon = tok("FlyV1 fm2_", "lJPECAAAAAAAAhk+", 120) + "==";
    match known_shape(&macaroon) {
        Some(LineHit::Shape { kind, token }) => {
            assert_eq!(kind, "a Fly.io token");
            assert!(token.starts_with("fm2_") && token.ends_with("=="));
        }
        other => panic!("{other:?}"),
    }
    let gh = tok("ghp_", "a1B2c3D4", 36);
    assert!(matches!(
        known_shape(&format!("token: {gh}")),
        Some(LineHit::Shape {
            kind: "a GitHub token",
            ..
        })
    ));
    assert_eq!(known_shape(&tok("ghp_", "a1", 20)), None);
    let pat = tok("github_pat_", "11AB_cd9", 82);
    assert!(matches!(
        known_shape(&pat),
        Some(LineHit::Shape {
            kind: "a GitHub fine-grained token",
            ..
        })
    ));
    assert_eq!(known_shape("plain text AKIA and AIza and ghp_"), None);
}

#[test]
fn long_hostile_lines_scan_in_linear_time() {
    let lines = [
        "-AIza".repeat(200_000),
        "-fo1_".repeat(200_000),
        "+fm2_".repeat(200_000),
        "a:\"".to_owned() + &"b: ".repeat(200_000),
        "x=".repeat(300_000),
    ];
    let start = std::time::Instant::now();
    for line in &lines {
        let _ = scan_line(line, ValueStyle::Config);
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn private_keys_need_key_material() {
    let header = format!("-----BEGIN RSA {}-----", "PRIVATE KEY");
    let body = tok("", "MIIEowIBAAKCAQEA", 64);
    let added = vec![(1, header.clone()), (2, body.clone())];
    let found = scan_added_lines(&added, ValueStyle::Config);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("private key"));
    // A parser constant naming the header is not a key.
    let code = vec![
        (5, format!("PEM = \"{header}\"")),
        (6, "def parse(): pass".to_owned()),
    ];
    assert!(scan_added_lines(&code, ValueStyle::Code).is_empty());
    // Service-account JSON: the whole PEM on one line.
    let json = format!("  \"private_key\": \"{header}\\n{body}\\n\",");
    let found = scan_added_lines(&[(3, json)], ValueStyle::Config);
    assert_eq!(found.len(), 1);
    assert!(!found[0].message.contains(&body[..10]));
}

#[test]
fn generic_assignments() {
    let secret = tok("", "q8Zr2LmX0vTn5WbK7yPe", 32);
    for (line, style) in [
        (format!("API_KEY={secret}"), ValueStyle::Config),
        (format!("api_key: \"{secret}\""), ValueStyle::Config),
        (format!("  \"apiKey\": \"{secret}\","), ValueStyle::Config),
        (format!("SECRET_KEY = '{secret}'"), ValueStyle::Code),
        (
            format!("client = Client(api_token=\"{secret}\")"),
            ValueStyle::Code,
        ),
    ] {
        match scan_line(&line, style) {
            Some(LineHit::Assignment { value, .. }) => assert_eq!(value, secret, "{line}"),
            other => panic!("{line}: {other:?}"),
        }
    }
    for (line, style) in [
        (format!("API_KEY = {secret}"), ValueStyle::Code),
        (
            "api_key = os.environ[\"API_KEY\"]".to_owned(),
            ValueStyle::Code,
        ),
        (
            "const apiKey = process.env.API_KEY_V2;".to_owned(),
            ValueStyle::Code,
        ),
        ("API_KEY=your-api-key-here".to_owned(), ValueStyle::Config),
        ("API_KEY=changeme".to_owned(), ValueStyle::Config),
        (
            "password: ${{ secrets.DB_PASSWORD }}".to_owned(),
            ValueStyle::Config,
        ),
        ("key: pip-cache-v2-linux-x86".to_owned(), ValueStyle::Config),
        (
            "cache_key: 3f786850e387550fdab836ed7e6dc881de23001b".to_owned(),
            ValueStyle::Config,
        ),
        (
            "token_url: https://example.com/oauth/token".to_owned(),
            ValueStyle::Config,
        ),
        (
            "SECRET_KEY_PATH=/run/secrets/key".to_owned(),
            ValueStyle::Config,
        ),
        ("PASSWORD=hunter2".to_owned(), ValueStyle::Config),
        (
            "password == \"q8Zr2LmX0vTn5WbK7yPe\"".to_owned(),
            ValueStyle::Code,
        ),
        (
            "\"integrity\": \"sha512-q8Zr2LmX0vTn5WbK7yPe\"".to_owned(),
            ValueStyle::Config,
        ),
    ] {
        assert_eq!(scan_line(&line, style), None, "{line}");
    }
}

#[test]
fn assignment_parsing() {
    let a = assignments("ENV A=1 B=\"two words\" C: d", ValueStyle::Config);
    let pairs: Vec<(&str, &str, bool)> = a.iter().map(|a| (a.name, a.value, a.quoted)).collect();
    assert_eq!(
        pairs,
        [
            ("A", "1", false),
            ("B", "two words", true),
            ("C", "d", false)
        ]
    );
    assert!(assignments("x == y; a::b", ValueStyle::Config).is_empty());
    assert_eq!(assignments("k := 'v'", ValueStyle::Code)[0].value, "v");
    assert_eq!(assignments("'k' => 'v'", ValueStyle::Code)[0].name, "k");
    // Hostile input does not panic.
    for s in [
        "=",
        "a=",
        "a=\"",
        "\u{e9}=\u{e9}",
        "a:\u{1F600}",
        "'a'",
        "a=`x",
    ] {
        let _ = assignments(s, ValueStyle::Config);
        let _ = scan_line(s, ValueStyle::Config);
    }
}

#[test]
fn placeholders_and_trivial_values() {
    for p in [
        "changeme",
        "xxx",
        "<your-key>",
        "${API_KEY}",
        "your_api_key",
        "EXAMPLEKEY123",
        "{{ .Token }}",
    ] {
        assert!(is_placeholder(p), "{p}");
    }
    for t in [
        "true",
        "0",
        "1.2.3",
        "/run/secrets/x",
        "https://auth.example.com",
        "$TOKEN",
    ] {
        assert!(is_trivial(t), "{t}");
    }
    assert!(!is_trivial("postgres://u:p4ss@db/x"));
    assert!(reads_as_words("node_modules/.cache/babel-loader"));
    assert!(reads_as_words("MyCompanyName"));
    assert!(!reads_as_words("q8Zr2LmX0vTn5WbK7yPe"));
}

#[test]
fn secret_files() {
    assert!(is_secret_file("/app/key.json*"));
    for yes in [
        ".env",
        "./.env.production",
        "config/.env.local",
        "server.key",
        "privkey.pem",
        "id_rsa",
        "/root/.ssh/id_ed25519",
        "credentials.json",
        "sa-key.json",
        "gcp_service_account.json",
        "token.json",
        "*.pem",
        ".netrc",
    ] {
        assert!(is_secret_file(yes), "{yes}");
    }
    for no in [
        ".env.example",
        ".env.sample",
        "id_rsa.pub",
        "fullchain.pem",
        "ca-cert.pem",
        "tokenizer.json",
        "special_tokens_map.json",
        "keymap.json",
        "monkey.json",
        "credentials.yml.enc",
        "requirements.txt",
        ".",
        "public.key",
    ] {
        assert!(!is_secret_file(no), "{no}");
    }
}

fn instruction(text: &str) -> Instruction {
    parse(text).unwrap().instructions.remove(0)
}

#[test]
fn env_file_writes_in_run() {
    let secret = tok("", "q8Zr2LmX0vTn5WbK7yPe", 24);
    let w = env_file_writes(&instruction(&format!(
        "RUN echo \"API_KEY={secret}\" >> .env && echo DEBUG=1 >> .env\n"
    )));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].name, "API_KEY");
    assert!(!w[0].placeholder);
    assert_eq!(w[0].file, ".env");
    // The guide's own example: a placeholder, reported at warn.
    let w = env_file_writes(&instruction("RUN echo \"API_KEY=xxx\" >> .env\n"));
    assert!(w[0].placeholder);
    let w = env_file_writes(&instruction(
        "RUN printf 'TOKEN=%s' \"$TOKEN\" > /app/.env\n",
    ));
    assert!(w.iter().all(|w| w.placeholder), "{w:?}");
    assert!(env_file_writes(&instruction("RUN echo \"API_KEY=$API_KEY\" >> .env\n")).is_empty());
    assert!(env_file_writes(&instruction(&format!(
        "RUN echo API_KEY={secret} > config.txt\n"
    )))
    .is_empty());
    let w = env_file_writes(&instruction(&format!(
        "RUN echo SECRET={secret} | tee -a .env.production\n"
    )));
    assert_eq!(w[0].file, ".env.production");
}

#[test]
fn baked_literals() {
    assert!(is_baked_literal("API_KEY", "sk-live-1234567"));
    assert!(is_baked_literal("POSTGRES_PASSWORD", "s3cr3tpw"));
    assert!(!is_baked_literal("API_KEY", ""));
    assert!(!is_baked_literal("API_KEY", "${API_KEY}"));
    assert!(!is_baked_literal("API_KEY", "$API_KEY"));
    assert!(!is_baked_literal("AUTH_ENABLED", "true"));
    assert!(!is_baked_literal(
        "GPG_KEY",
        "A035C8C19219BA821ECEA86B64E628F8D684696D"
    ));
    assert!(!is_baked_literal("SSH_KEY", "/root/.ssh/id_rsa"));
    assert!(!is_baked_literal("NODE_ENV", "production"));
}

#[test]
fn fixture_paths() {
    for yes in [
        "tests/fixtures/server.key",
        "docs/setup.md",
        "README.md",
        "app/test_auth.py",
        "src/auth.test.ts",
        "pkg/auth_test.go",
    ] {
        assert!(is_fixture_path(yes), "{yes}");
    }
    for no in [
        "main.py",
        "config/settings.py",
        ".env",
        "Dockerfile",
        "contest/x.py",
    ] {
        assert!(!is_fixture_path(no), "{no}");
    }
}

#[test]
fn generated_files_are_not_read() {
    for yes in [
        "package-lock.json",
        "web/yarn.lock",
        "Cargo.lock",
        "go.sum",
        "dist/app.min.js",
        "x.js.map",
    ] {
        assert!(is_generated(yes.as_bytes()), "{yes}");
    }
    for no in ["package.json", "lock.py", "src/map.rs", ".env"] {
        assert!(!is_generated(no.as_bytes()), "{no}");
    }
}

#[test]
fn value_style() {
    assert_eq!(ValueStyle::of(b"app/main.py"), ValueStyle::Code);
    assert_eq!(ValueStyle::of(b".env"), ValueStyle::Config);
    assert_eq!(ValueStyle::of(b"fly.toml"), ValueStyle::Config);
    assert_eq!(ValueStyle::of(b"Dockerfile"), ValueStyle::Config);
}

#[test]
fn passwords_in_connection_strings() {
    let pw = tok("Qx", "7vLm2Rp", 12);
    for line in [
        format!("  \"DefaultConnection\": \"Host=db.prod.example.net;Port=5432;Username=app;Password={pw}\""),
        format!("DATABASE_URL=postgres://app:{pw}@db.internal:5432/app"),
        format!("conn = \"Server=sql.example.net;Database=y;User Id=sa;pwd={pw};\""),
    ] {
        assert!(connection_password(&line).is_some(), "{line}");
    }
    for line in [
        "  \"DefaultConnection\": \"Host=db;Username=app;Password=${DB_PASSWORD}\"",
        "DATABASE_URL=postgres://app:changeme@localhost/app",
        "url = \"https://example.com/path?x=1\"",
        "DATABASE_URL=postgres://app@localhost/app",
        "dsn = f\"postgres://{user}:{password}@{host}/db\"",
        "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app",
        "DATABASE_URL=postgres://app:s3cretpw0rd@db:5432/app",
        "echo postgres://usuario:pass@host:port/db",
        "\"Default\": \"Host=localhost;Username=app;Password=devpass123;\"",
        "password_reset_url = \"/reset\"",
    ] {
        assert!(connection_password(line).is_none(), "{line}");
    }
}

/// A line the scan could report is always among the anchor prefilter's candidates, in
/// every case spelling, line ending and position; lines are generated from the pieces the
/// scanners look for so that many of them are reportable.
#[test]
fn candidate_lines_keep_every_reportable_line() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let pieces = prop::sample::select(vec![
        "key".to_owned(),
        "ApI_kEy".to_owned(),
        "TOKEN".to_owned(),
        "Secret".to_owned(),
        "PassWord".to_owned(),
        "pWd=".to_owned(),
        "AUTH".to_owned(),
        "Cred".to_owned(),
        " = ".to_owned(),
        ": ".to_owned(),
        "\"".to_owned(),
        "'".to_owned(),
        ";".to_owned(),
        "Server=db.example.net;".to_owned(),
        "postgres://app:".to_owned(),
        "@db.prod.example.net/x".to_owned(),
        "-----BEGIN RSA PRIVATE KEY-----".to_owned(),
        tok("AKIA", "Q7ZL2M", 16),
        tok("ghp_", "aZ9bY8cX7", 36),
        tok("AIza", "Sy-9_kQ", 35),
        "k9$Qz!Lw3#Rv8@Tx5^Mb".to_owned(),
        "x7Rq2Lz9Vw4Kt8Np3Hs6".to_owned(),
        "plain words here".to_owned(),
        "\r".to_owned(),
        "\n".to_owned(),
    ]);
    let text = prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat());
    let mut runner = TestRunner::new(Config::with_cases(2000));
    runner
        .run(&text, |text| {
            let candidates = candidate_lines_automata(&text);
            prop_assert_eq!(&candidate_lines_plain(&text), &candidates);
            prop_assert_eq!(&candidate_lines_by_needle(&text), &candidates);
            for style in [ValueStyle::Code, ValueStyle::Config] {
                for (n, line) in (1..).zip(text.lines()) {
                    let found = candidates.iter().find(|(m, c, _)| (*m, *c) == (n, line));
                    let expected = could_be_secret(line, style);
                    let got = found.is_some_and(|(_, _, a)| could_be_secret_with(line, style, *a));
                    prop_assert_eq!(got, expected, "{:?}", line);
                }
            }
            Ok(())
        })
        .unwrap();
}

/// A text of several windows is lowered a window at a time: lines holding a secret word
/// are found wherever they fall, at a window's edge, after a line longer than a window,
/// with their numbers.
#[test]
fn candidate_lines_span_the_fold_windows() {
    let mut text = String::new();
    let mut expected = Vec::new();
    let mut n = 0u32;
    let mut push = |text: &mut String, line: &str, hit: bool| {
        n += 1;
        text.push_str(line);
        text.push('\n');
        if hit {
            expected.push(n);
        }
    };
    for i in 0..40_000 {
        push(&mut text, &format!("plain line number {i:06}"), false);
        if i % 4_999 == 0 {
            push(&mut text, "API_KEY = \"k9$Qz!Lw3#Rv8@Tx5^Mb\"", true);
        }
        if i == 20_000 {
            let long = "x".repeat(300 * 1024);
            push(&mut text, &long, false);
            push(&mut text, "Db_Password: x7Rq2Lz9Vw4Kt8Np3Hs6", true);
        }
    }
    assert!(text.len() > 3 * 256 * 1024);
    let found: Vec<u32> = candidate_lines_automata(&text)
        .iter()
        .map(|(n, _, _)| *n)
        .collect();
    assert_eq!(found, expected);
}

/// The prefilters rely on every secret word holding one of the anchor fragments.
#[test]
fn every_secret_word_holds_a_fragment() {
    for word in SECRET_WORDS {
        assert!(mentions_secret_word(word), "{word}");
        assert!(is_secret_name(word), "{word}");
    }
}

/// The one-copy conversion of a file that is not clean UTF-8 reads as the standard lossy
/// conversion with NULs as spaces.
#[test]
fn lossy_text_is_the_standard_lossy_conversion() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let bytes = prop::collection::vec(
        prop::sample::select(vec![
            0u8, b'a', b'\n', b'=', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xFF, 0x80,
        ]),
        0..64,
    );
    let mut runner = TestRunner::new(Config::with_cases(3000));
    runner
        .run(&bytes, |bytes| {
            let expected = String::from_utf8_lossy(&bytes).replace('\0', " ");
            prop_assert_eq!(lossy_text(&bytes), expected);
            Ok(())
        })
        .unwrap();
}
