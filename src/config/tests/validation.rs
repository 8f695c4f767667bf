//! Validation: every problem with its exact line and column.

use super::*;

// ---- Validation: every problem with its exact line and column ----

#[test]
fn unknown_tier_renders_like_rustc() {
    let text = "[paths.x]\nglobs = [\"a\"]\n\n\n\n\ntier = \"fast\"\n";
    let expected = "error: unknown tier `fast` in pushguard.toml
 --> pushguard.toml:7:8
  |
7 | tier = \"fast\"
  |        ^^^^^^
  = help: a tier is one of none, incremental, partial, full";
    assert_eq!(error(text).to_string(), expected);
}

#[test]
fn syntax_errors_use_tomls_message_and_span() {
    let (line, col, msg, _) = problem("[deploy]\nbranches = [\"main\"\n");
    assert_eq!((line, col), (2, 19));
    assert!(
        msg.starts_with("invalid TOML in pushguard.toml: unclosed array"),
        "{msg}"
    );
    let (line, col, msg, _) = problem("[policy]\nconfirm = \"warn\"\nconfirm = \"block\"\n");
    assert_eq!((line, col), (3, 1));
    assert!(msg.contains("duplicate key"), "{msg}");
    let (line, col, _, _) = problem("x = \"unterminated\n");
    assert_eq!(line, 1, "{col}");
}

#[test]
fn unknown_keys_suggest_and_list_the_valid_ones() {
    let (line, col, msg, help) = problem("\n[deploi]\n");
    assert_eq!((line, col), (2, 2));
    assert_eq!(msg, "unknown key `deploi` in pushguard.toml");
    assert!(help.starts_with("did you mean `deploy`?"), "{help}");
    assert!(
        help.contains("deploy, tiers, paths, rules, policy"),
        "{help}"
    );

    let (line, col, msg, help) = problem("[deploy]\n  branch = [\"main\"]\n");
    assert_eq!((line, col), (2, 3));
    assert_eq!(msg, "unknown key `deploy.branch` in pushguard.toml");
    assert!(help.starts_with("did you mean `branches`?"), "{help}");

    let (line, col, _, help) = problem("[paths.docs]\nglob = [\"x\"]\n");
    assert_eq!((line, col), (2, 1));
    assert!(help.contains("globs, tier, reason, enabled"), "{help}");

    let (line, col, _, help) = problem("[tiers.full]\nbuild = 3\n");
    assert_eq!((line, col), (2, 1));
    assert!(help.contains("build_seconds, deploy_seconds"), "{help}");

    let (line, col, _, help) = problem("[policy]\nconfirmation = \"warn\"\n");
    assert_eq!((line, col), (2, 1));
    assert!(help.contains("confirm, noninteractive, on_error"), "{help}");
}

#[test]
fn unknown_rule_ids_list_the_known_ones() {
    let (line, col, msg, help) = problem("[rules.cache-bust-args]\nseverity = \"warn\"\n");
    assert_eq!((line, col), (1, 8));
    assert_eq!(msg, "unknown rule `cache-bust-args` in pushguard.toml");
    assert!(help.starts_with("did you mean `cache-bust-arg`?"), "{help}");
    assert!(help.contains("frequent-deploys"), "{help}");
}

#[test]
fn unknown_rule_options_list_the_rules_keys() {
    let (line, col, msg, help) = problem("[rules.cache-bust-arg]\nname = [\"X\"]\n");
    assert_eq!((line, col), (2, 1));
    assert_eq!(
        msg,
        "unknown key `rules.cache-bust-arg.name` in pushguard.toml"
    );
    assert!(help.starts_with("did you mean `names`?"), "{help}");
    assert!(help.contains("severity, fact, hint, names"), "{help}");
    // An option of another rule is not valid here.
    let (_, _, msg, _) = problem("[rules.empty-commit]\nminutes = 5\n");
    assert!(msg.contains("rules.empty-commit.minutes"), "{msg}");
}

#[test]
fn wrong_value_types_are_reported_at_the_value() {
    let (line, col, msg, help) = problem("[deploy]\nbranches = \"main\"\n");
    assert_eq!((line, col), (2, 12));
    assert_eq!(
        msg,
        "`deploy.branches` must be an array of globs, found a string in pushguard.toml"
    );
    assert!(help.contains("branches = [\"**/Dockerfile\"]"), "{help}");

    let (line, col, msg, _) = problem("[paths.docs]\nenabled = \"no\"\n");
    assert_eq!((line, col), (2, 11));
    assert!(msg.contains("must be a boolean, found a string"), "{msg}");

    let (line, col, msg, _) = problem("[tiers.full]\nbuild_seconds = 1.5\n");
    assert_eq!((line, col), (2, 17));
    assert!(msg.contains("must be an integer, found a float"), "{msg}");

    let (line, col, msg, _) = problem("deploy = 1\n");
    assert_eq!((line, col), (1, 10));
    assert!(
        msg.contains("`deploy` must be a table, found an integer"),
        "{msg}"
    );
}

#[test]
fn rule_options_keep_the_default_type() {
    let (line, col, msg, help) = problem("[rules.frequent-deploys]\nminutes = \"10\"\n");
    assert_eq!((line, col), (2, 11));
    assert!(msg.contains("must be an integer, found a string"), "{msg}");
    assert!(help.contains("`minutes` = 10"), "{help}");

    let (line, col, msg, help) = problem("[rules.cache-bust-arg]\nnames = [\"A\", 1]\n");
    assert_eq!((line, col), (2, 15));
    assert!(
        msg.contains("must be an array of strings, found an integer"),
        "{msg}"
    );
    assert!(help.contains("[\"CACHEBUST\", ...]"), "{help}");

    let (line, col, msg, _) = problem("[rules.secret-in-image]\nfact = 3\n");
    assert_eq!((line, col), (2, 8));
    assert!(msg.contains("must be a string"), "{msg}");

    let (line, col, msg, _) = problem("[rules.context-bloat]\nmax_bytes = -1\n");
    assert_eq!((line, col), (2, 13));
    assert!(msg.contains("cannot be negative"), "{msg}");
}

#[test]
fn unknown_severity_and_policy_values() {
    let (line, col, msg, help) = problem("[rules.empty-commit]\nseverity = \"warning\"\n");
    assert_eq!((line, col), (2, 12));
    assert_eq!(msg, "unknown severity `warning` in pushguard.toml");
    assert_eq!(help, "a severity is one of off, info, warn, block");

    let (line, col, _, help) = problem("[rules.timestamp-edit]\nmanifest_severity = \"blok\"\n");
    assert_eq!((line, col), (2, 21));
    assert!(help.starts_with("did you mean `block`?"), "{help}");

    let (line, col, msg, help) = problem("[policy]\nnoninteractive = \"deny\"\n");
    assert_eq!((line, col), (2, 18));
    assert_eq!(
        msg,
        "unknown `noninteractive` value `deny` in pushguard.toml"
    );
    assert_eq!(help, "`noninteractive` is one of block, allow");

    let (line, col, msg, _) = problem("[deploy]\nplatform = \"heroku\"\n");
    assert_eq!((line, col), (2, 12));
    assert_eq!(msg, "unknown platform `heroku` in pushguard.toml");
}

#[test]
fn unknown_tier_names_and_values() {
    let (line, col, msg, _) = problem("[tiers.fast]\nbuild_seconds = 1\n");
    assert_eq!((line, col), (1, 8));
    assert_eq!(msg, "unknown tier `fast` in pushguard.toml");
    let (line, col, _, help) = problem("[deploy]\nunmatched = \"partal\"\n");
    assert_eq!((line, col), (2, 13));
    assert!(help.starts_with("did you mean `partial`?"), "{help}");
}

#[test]
fn negative_and_absurd_times() {
    let all = problems("[tiers.full]\nbuild_seconds = -1\ndeploy_seconds = 86401\n");
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].0, all[0].1), (2, 17));
    assert!(all[0].2.contains("cannot be negative"), "{}", all[0].2);
    assert_eq!((all[1].0, all[1].1), (3, 18));
    assert!(
        all[1].2.contains("86401 seconds, more than a day"),
        "{}",
        all[1].2
    );
    // The limit itself is accepted.
    let c = user("[tiers.full]\nbuild_seconds = 86400\n");
    assert_eq!(c.tier_times(BuildTier::Full).build_seconds, 86_400);
}

#[test]
fn invalid_globs_point_at_the_string_inside_the_array() {
    let (line, col, msg, help) =
        problem("[paths.api]\ntier = \"full\"\nglobs = [\n  \"ok/**\",\n  \"a[\",\n]\n");
    assert_eq!((line, col), (5, 3));
    assert!(
        msg.starts_with("invalid glob `a[` in `paths.api.globs`: unclosed character class"),
        "{msg}"
    );
    assert!(help.contains("globset syntax"), "{help}");

    let (line, col, _, _) = problem("[deploy]\nbranches = [\"main\", \"rel/{a\"]\n");
    assert_eq!((line, col), (2, 21));

    let (line, col, _, _) = problem("[rules.trigger-file]\nglobs = [\"**/x\", 5]\n");
    assert_eq!((line, col), (2, 18));
}

#[test]
fn empty_globs_are_rejected() {
    let (line, col, msg, help) = problem("[paths.docs]\nglobs = []\n");
    assert_eq!((line, col), (2, 9));
    assert_eq!(msg, "`paths.docs.globs` is empty in pushguard.toml");
    assert!(help.contains("enabled = false"), "{help}");
    let (line, col, _, help) = problem("[rules.dockerfile-comment-only]\nglobs = []\n");
    assert_eq!((line, col), (2, 9));
    assert!(help.contains("severity = \"off\""), "{help}");
}

#[test]
fn new_path_rules_need_globs_and_tier() {
    let (line, col, msg, help) = problem("[paths.dockerfil]\nenabled = false\n");
    assert_eq!((line, col), (1, 8));
    assert_eq!(
        msg,
        "new path rule `paths.dockerfil` has neither `globs` nor `tier` in pushguard.toml"
    );
    assert!(help.starts_with("did you mean `dockerfile`?"), "{help}");
    let (_, _, msg, _) = problem("[paths.x]\nglobs = [\"x\"]\n");
    assert!(msg.contains("has no `tier`"), "{msg}");
    let (_, _, msg, _) = problem("[paths.x]\ntier = \"full\"\n");
    assert!(msg.contains("has no `globs`"), "{msg}");
    let (line, col, msg, _) =
        problem("[paths.x]\ntier = \"full\"\nglobs = [\"x\"]\nreason = \" \"\n");
    assert_eq!((line, col), (4, 10));
    assert!(msg.contains("is empty"), "{msg}");
}

#[test]
fn several_problems_are_reported_together() {
    let text = "[deploy]\nplatform = 3\n[paths.x]\ntier = \"fast\"\nglobs = [\"x\"]\n[policy]\non_error = \"ignore\"\n";
    let err = error(text);
    let lines: Vec<_> = err.diagnostics().iter().map(|d| d.line()).collect();
    assert_eq!(lines, [Some(2), Some(4), Some(7)]);
    let rendered = err.to_string();
    assert!(
        rendered.ends_with("error: pushguard.toml has 3 errors; pushguard did not load it"),
        "{rendered}"
    );
    assert_eq!(rendered.matches("\n  = help: ").count(), 3, "{rendered}");
}

#[test]
fn line_numbers_widen_the_gutter() {
    let text = format!("{}[deploy]\nplatform = \"x\"\n", "\n".repeat(9));
    let rendered = error(&text).to_string();
    assert!(rendered.contains("\n  --> pushguard.toml:11:12\n   |\n11 | platform = \"x\"\n   |            ^^^\n   = help: "), "{rendered}");
}

#[test]
fn control_characters_in_the_file_are_escaped() {
    let rendered = error("[deploy]\nplatform = \"\u{1b}[2J\"\n").to_string();
    assert!(!rendered.contains('\u{1b}'), "{rendered}");
    assert!(rendered.contains("\\e[2J"), "{rendered}");
}

#[test]
fn tabs_keep_the_caret_aligned() {
    let rendered = error("[deploy]\n\tplatform = \"x\"\n").to_string();
    assert!(
        rendered.contains("2 |     platform = \"x\"\n  |                ^^^"),
        "{rendered}"
    );
}
