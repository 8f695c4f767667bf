use super::*;

fn p(text: &str) -> Dockerfile {
    match parse(text) {
        Ok(df) => df,
        Err(e) => panic!("parse failed: {e}\n---\n{text}"),
    }
}

fn only(text: &str) -> Instruction {
    let df = p(text);
    assert_eq!(df.instructions.len(), 1, "{:#?}", df.instructions);
    df.instructions.into_iter().next().unwrap()
}

fn same(a: &str, b: &str) -> bool {
    p(a).same_build(&p(b))
}

#[test]
fn keywords_are_case_insensitive_and_uppercased() {
    let df = p("from alpine\nrun echo hi\nCoPy a b\nfrobnicate x y\n");
    let kws: Vec<_> = df.instructions.iter().map(|i| i.keyword.as_str()).collect();
    assert_eq!(kws, ["FROM", "RUN", "COPY", "FROBNICATE"]);
    assert_eq!(df.instructions[3].args, "x y");
}

#[test]
fn spans_are_one_based_and_inclusive() {
    let df = p("# c\n\nFROM a\nRUN one \\\n  two \\\n  three\nUSER x\n");
    let spans: Vec<_> = df
        .instructions
        .iter()
        .map(|i| (i.start_line, i.end_line))
        .collect();
    assert_eq!(spans, [(3, 3), (4, 6), (7, 7)]);
}

#[test]
fn continuation_is_joined_verbatim_like_buildkit() {
    let i = only("RUN apt-get update && \\\n    apt-get install -y curl\n");
    assert_eq!(i.args, "apt-get update &&     apt-get install -y curl");
}

#[test]
fn comments_and_blank_lines_inside_continuation_are_skipped() {
    let i = only("RUN a \\\n  # a comment \\\n\n#another\n  b \\\n  c\n");
    assert_eq!(i.args, "a   b   c");
    assert_eq!((i.start_line, i.end_line), (1, 6));
}

#[test]
fn hash_in_the_middle_of_a_line_is_not_a_comment() {
    let i = only("RUN echo foo # not a comment\n");
    assert_eq!(i.args, "echo foo # not a comment");
    let i = only("   # indented comment\nENV A=1\n");
    assert_eq!(i.keyword, "ENV");
}

#[test]
fn escaped_escape_at_end_is_not_a_continuation() {
    let df = p("RUN echo a\\\\\nRUN echo b\n");
    assert_eq!(df.instructions.len(), 2);
    assert_eq!(df.instructions[0].args, "echo a\\\\");
}

#[test]
fn continuation_with_trailing_blanks_after_escape() {
    let i = only("RUN a \\  \t\n b\n");
    assert_eq!(i.args, "a  b");
}

#[test]
fn dangling_continuation_at_eof_ends_the_instruction() {
    let df = p("FROM a\nRUN echo hi \\\n");
    assert_eq!(df.instructions[1].args, "echo hi");
    assert_eq!(df.instructions[1].end_line, 2);
    let df = p("FROM a\nRUN echo hi \\\n# trailing comment\n\n");
    assert_eq!(df.instructions[1].end_line, 4);
}

#[test]
fn directives_syntax_and_escape() {
    let df = p("# syntax=docker/dockerfile:1.7\n# escape=`\nFROM a\n");
    assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1.7"));
    assert_eq!(df.escape, '`');
    let df = p("#   ESCAPE =  \\   \nFROM a\n");
    assert_eq!(df.escape, '\\');
}

#[test]
fn directives_only_at_the_very_top() {
    let df = p("# a comment\n# escape=`\nFROM a\nRUN x `\n y\n");
    assert_eq!(df.escape, '\\');
    // With `\` still the escape, "RUN x `" does not continue: " y" is its own line.
    assert_eq!(df.instructions.len(), 3);
    let df = p("\n# syntax=x\nFROM a\n");
    assert_eq!(df.syntax, None);
    let df = p("FROM a\n# escape=`\n");
    assert_eq!(df.escape, '\\');
}

#[test]
fn repeated_or_invalid_directive_is_an_error() {
    let e = parse("# escape=`\n# escape=\\\nFROM a\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.to_string().starts_with("line 2: only one `escape`"));
    let e = parse("# escape=x\nFROM a\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.message.contains("invalid escape token"));
}

#[test]
fn backtick_escape_file() {
    let text = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  && echo done\nCOPY a\\b c:\\dest\\\n";
    let df = p(text);
    assert_eq!(df.escape, '`');
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(df.instructions[1].args, "dir c:\\   && echo done");
    assert_eq!(
        (df.instructions[1].start_line, df.instructions[1].end_line),
        (3, 4)
    );
    // A trailing backslash is not a continuation with escape=`.
    assert_eq!(df.instructions[2].args, "a\\b c:\\dest\\");
}

#[test]
fn flags_on_run_copy_and_from() {
    let df = p("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n\
                RUN --mount=type=cache,target=/root/.cache/pip,id=pip --network=none pip install x\n\
                COPY --from=builder --chown=app:app --link /src /dst\n");
    let from = &df.instructions[0];
    assert_eq!(from.flags[0].name, "platform");
    assert_eq!(from.flags[0].value.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(df.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    let run = &df.instructions[1];
    assert_eq!(run.flags.len(), 2);
    assert_eq!(run.flags[1].name, "network");
    assert_eq!(run.args, "pip install x");
    let copy = &df.instructions[2];
    let names: Vec<_> = copy.flags.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["from", "chown", "link"]);
    assert_eq!(copy.flags[2].value, None);
    assert_eq!(copy.args, "/src /dst");
}

#[test]
fn quoted_flag_values_are_unquoted() {
    let i = only("RUN --mount=\"type=secret,id=npmrc\" --x='a b' echo\n");
    assert_eq!(i.flags[0].value.as_deref(), Some("type=secret,id=npmrc"));
    assert_eq!(i.flags[1].value.as_deref(), Some("a b"));
    assert_eq!(i.args, "echo");
}

#[test]
fn double_dash_ends_flags() {
    let i = only("RUN --network=none -- --not-a-flag\n");
    assert_eq!(i.flags.len(), 1);
    assert_eq!(i.args, "--not-a-flag");
}

#[test]
fn mounts_are_parsed() {
    let i = only(
        "RUN --mount=type=cache,target=/root/.cache/pip,id=pip \
         --mount=type=bind,from=deps,source=/out,dst=/in \
         --mount=type=cache,target=/var/cache/apt pip install -r r.txt\n",
    );
    let m = i.mounts();
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].kind, "cache");
    assert_eq!(m[0].id.as_deref(), Some("pip"));
    assert_eq!(m[0].target.as_deref(), Some("/root/.cache/pip"));
    assert_eq!(m[0].cache_id(), Some("pip"));
    assert_eq!(m[1].kind, "bind");
    assert_eq!(m[1].from.as_deref(), Some("deps"));
    assert_eq!(m[1].source.as_deref(), Some("/out"));
    assert_eq!(m[1].target.as_deref(), Some("/in"));
    assert_eq!(m[1].cache_id(), None);
    assert_eq!(m[2].id, None);
    assert_eq!(m[2].cache_id(), Some("/var/cache/apt"));
    let m = only("RUN --mount=target=/x echo\n").mounts();
    assert_eq!(m[0].kind, "bind");
    // Flag words lose their quotes first (BuildKit), so CSV quoting needs outer quotes.
    let m = only("RUN --mount=type=cache,\"target=/a,b\" echo\n").mounts();
    assert_eq!(m[0].target.as_deref(), Some("/a"));
    let m = only("RUN --mount='type=cache,\"target=/a,b\"' echo\n").mounts();
    assert_eq!(m[0].target.as_deref(), Some("/a,b"));
}

#[test]
fn heredoc_on_run() {
    let df = p("FROM a\nRUN <<EOF\n# this is content\napt-get update\nEOF\nUSER x\n");
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    assert_eq!(run.heredocs[0].delimiter, "EOF");
    assert_eq!(run.heredocs[0].body, "# this is content\napt-get update\n");
    assert_eq!((run.start_line, run.end_line), (2, 5));
    assert_eq!(df.instructions[2].start_line, 6);
}

#[test]
fn heredoc_strip_tabs_and_quoting() {
    let i = only("RUN <<-'EOT' bash\n\techo $HOME\n\t\tindented\n\tEOT\n");
    let d = &i.heredocs[0];
    assert!(d.strip_tabs);
    assert!(d.quoted);
    assert_eq!(d.delimiter, "EOT");
    assert_eq!(d.body, "echo $HOME\nindented\n");
    let i = only("RUN <<\"EOF\"\nx\nEOF\n");
    assert!(i.heredocs[0].quoted);
    let i = only("RUN <<EOF\n\tx\nEOF\n");
    assert!(!i.heredocs[0].quoted && !i.heredocs[0].strip_tabs);
    assert_eq!(i.heredocs[0].body, "\tx\n");
}

#[test]
fn several_heredocs_and_copy_heredoc() {
    let df = p("FROM a\nRUN <<A cat > /a && 3<<-B cat\none\nA\n\ttwo\n\tB\nCOPY --chmod=755 <<run.sh /usr/bin/run\n#!/bin/sh\necho hi\nrun.sh\n");
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 2);
    assert_eq!(run.heredocs[0].body, "one\n");
    assert_eq!(run.heredocs[1].body, "two\n");
    assert_eq!(run.end_line, 6);
    let copy = &df.instructions[2];
    let spec = copy.copy_sources().unwrap();
    assert!(spec.sources.is_empty());
    assert_eq!(spec.inline.len(), 1);
    assert_eq!(spec.inline[0].body, "#!/bin/sh\necho hi\n");
    assert_eq!(spec.dest.as_deref(), Some("/usr/bin/run"));
    assert_eq!((copy.start_line, copy.end_line), (7, 10));
}

#[test]
fn quoted_heredoc_words_and_json_form_are_not_heredocs() {
    let df = p("RUN echo \"<<EOF\"\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nRUN echo x<<EOF\nRUN cat <<<here\n");
    assert_eq!(df.instructions.len(), 4);
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
}

#[test]
fn heredoc_after_continuation_lines() {
    let i = only("RUN --mount=type=cache,target=/c \\\n  python3 <<EOF\nprint(1)\nEOF\n");
    assert_eq!(i.heredocs[0].body, "print(1)\n");
    assert_eq!(i.end_line, 4);
}

#[test]
fn onbuild_heredoc() {
    let i = only("ONBUILD RUN <<EOF\necho\nEOF\n");
    assert_eq!(i.heredocs.len(), 1);
}

#[test]
fn unterminated_heredoc_is_an_error_at_the_instruction() {
    let e = parse("FROM a\nRUN <<EOF\necho\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("unterminated heredoc `EOF`"));
}

#[test]
fn heredoc_crlf_terminator() {
    let i = only("RUN <<EOF\r\necho\r\nEOF\r\n");
    assert_eq!(i.heredocs[0].body, "echo\r\n");
}

#[test]
fn stages_and_global_args() {
    let df = p("ARG VERSION=3.12\nFROM python:${VERSION}-slim AS Builder\nRUN pip wheel .\nFROM gcr.io/distroless/python3@sha256:abc\nCOPY --from=builder /w /w\n");
    assert_eq!(df.instructions[0].stage, None);
    assert_eq!(df.stages.len(), 2);
    let s0 = &df.stages[0];
    assert_eq!(s0.name.as_deref(), Some("builder"));
    assert_eq!(s0.base, "python:${VERSION}-slim");
    assert_eq!(s0.from_line, 2);
    assert_eq!(s0.instructions, 1..3);
    let s1 = &df.stages[1];
    assert_eq!(s1.name, None);
    assert_eq!(s1.base, "gcr.io/distroless/python3@sha256:abc");
    assert_eq!(s1.instructions, 3..5);
    assert_eq!(df.instructions[4].stage, Some(1));
    assert_eq!(df.stage_by_ref("BUILDER").map(|s| s.index), Some(0));
    assert_eq!(df.stage_by_ref("1").map(|s| s.index), Some(1));
    assert!(df.stage_by_ref("alpine").is_none());
}

#[test]
fn no_from_is_not_an_error() {
    let df = p("RUN echo partial\n");
    assert!(df.stages.is_empty());
    assert_eq!(df.instructions[0].stage, None);
    let df = p("");
    assert!(df.instructions.is_empty());
}

#[test]
fn exec_form() {
    let df = p("CMD [\"python\", \"-m\", \"app\"]\nENTRYPOINT [ \"tini\" , \"--\" ]\nCOPY [\"a b\", \"/dst/\"]\nRUN [not json\n");
    assert_eq!(
        df.instructions[0].exec_form.as_deref(),
        Some(&["python".to_owned(), "-m".into(), "app".into()][..])
    );
    assert_eq!(df.instructions[1].exec_form.as_ref().map(Vec::len), Some(2));
    let spec = df.instructions[2].copy_sources().unwrap();
    assert_eq!(spec.sources, ["a b"]);
    assert_eq!(spec.dest.as_deref(), Some("/dst/"));
    assert_eq!(df.instructions[3].exec_form, None);
    assert!(parse("CMD [1, 2]\n").is_err());
    // JSON spacing does not matter to the builder.
    assert!(same("CMD [\"a\",\"b\"]\n", "CMD [ \"a\", \"b\" ]\n"));
}

#[test]
fn copy_sources_plain() {
    let i = only("COPY --from=build --chown=1:1 requirements.txt setup.py  /app/\n");
    let spec = i.copy_sources().unwrap();
    assert_eq!(spec.from.as_deref(), Some("build"));
    assert_eq!(spec.sources, ["requirements.txt", "setup.py"]);
    assert_eq!(spec.dest.as_deref(), Some("/app/"));
    assert!(only("RUN x\n").copy_sources().is_none());
    assert_eq!(only("COPY onlyone\n").copy_sources().unwrap().dest, None);
}

#[test]
fn arg_defs_several_per_line() {
    let i = only("ARG A B=2 C=\"x y\" D=\n");
    assert_eq!(
        i.arg_defs(),
        vec![
            ("A".to_owned(), None),
            ("B".to_owned(), Some("2".to_owned())),
            ("C".to_owned(), Some("x y".to_owned())),
            ("D".to_owned(), Some(String::new())),
        ]
    );
    assert!(only("RUN x\n").arg_defs().is_empty());
}

#[test]
fn env_pairs_new_and_legacy_forms() {
    let i = only("ENV k=v k2=\"v 2\" k3=a\\ b\n");
    assert_eq!(
        i.env_pairs(),
        vec![
            ("k".to_owned(), "v".to_owned()),
            ("k2".to_owned(), "v 2".to_owned()),
            ("k3".to_owned(), "a b".to_owned()),
        ]
    );
    let i = only("ENV PATH /usr/local/bin:$PATH  extra\n");
    assert_eq!(
        i.env_pairs(),
        vec![("PATH".to_owned(), "/usr/local/bin:$PATH  extra".to_owned())]
    );
}

#[test]
fn variables_used() {
    let i =
        only("RUN --mount=type=cache,id=$CACHE_ID echo $A ${B} ${C:-x} ${#D} \\$E '$F' $1 $$ $A\n");
    assert_eq!(i.variables_used(), ["CACHE_ID", "A", "B", "C", "D"]);
    let i = only("RUN <<EOF\necho ${CACHEBUST}\nEOF\n");
    assert_eq!(i.variables_used(), ["CACHEBUST"]);
}

#[test]
fn comment_only_edit_keeps_the_build() {
    let old = "FROM python:3.12-slim\nRUN pip install flask\nCOPY . /app\n";
    let new = "# Force rebuild: Thu Nov  7 14:03:11 UTC 2024\nFROM python:3.12-slim\n\n# deps\nRUN pip install flask\nCOPY . /app\n# Force rebuild: $(date)\n";
    assert!(same(old, new));
    let appended = format!("{old}# Force rebuild: $(date)\n");
    assert!(same(old, &appended));
}

#[test]
fn functional_edits_change_the_build() {
    assert!(!same("RUN pip install x\n", "RUN pip install y\n"));
    assert!(!same(
        "RUN <<EOF\necho\nEOF\n",
        "RUN <<EOF\n# now a comment line, but content\necho\nEOF\n"
    ));
    assert!(!same(
        "# syntax=docker/dockerfile:1\nFROM a\n",
        "# syntax=docker/dockerfile:1.7\nFROM a\n"
    ));
    assert!(!same("ARG CACHEBUST=1\n", "ARG CACHEBUST=2\n"));
    assert!(!same("RUN --mount=type=cache,target=/a x\n", "RUN x\n"));
    // Whitespace inside a RUN command reaches /bin/sh -c verbatim.
    assert!(!same("RUN a \\\n  b\n", "RUN a \\\n    b\n"));
}

#[test]
fn builder_ignored_whitespace_keeps_the_build() {
    assert!(same("FROM  alpine\n", "   FROM alpine   \n"));
    assert!(same("COPY  a   b\n", "COPY a b\n"));
    assert!(same("ENV A=1   B=2\n", "ENV A=1 B=2\n"));
    assert!(same("run echo\n", "RUN echo\n"));
    assert!(same("RUN --b=1 --a=2 x\n", "RUN --a=2 --b=1 x\n"));
    assert!(same("RUN echo hi\n", "RUN echo hi   \n"));
    assert!(same("RUN echo hi\r\n", "RUN echo hi\n"));
}

#[test]
fn cache_key_shape() {
    let i = only("RUN --network=none --mount=type=cache,target=/c  echo  hi\n");
    assert_eq!(
        i.cache_key(),
        "RUN --mount=type=cache,target=/c --network=none echo  hi"
    );
    let i = only("CMD [ \"a\" ,\"b\" ]\n");
    assert_eq!(i.cache_key(), "CMD [\"a\",\"b\"]");
    let i = only("COPY <<EOF /x\nhello\nEOF\n");
    assert_eq!(i.cache_key(), "COPY <<EOF /x\n<<EOF\nhello\n");
    assert!(!same("FROM a\n", "FROM a\nUSER x\n"));
    assert!(!same("RUN <<EOF\na\nEOF\n", "RUN <<EOF\na \nEOF\n"));
}

#[test]
fn stage_without_name_and_platform_only() {
    let df =
        p("FROM --platform=linux/amd64 alpine:3.20\nFROM scratch as Final\nCOPY --from=0 / /\n");
    assert_eq!(df.stages[0].name, None);
    assert_eq!(df.stages[0].platform.as_deref(), Some("linux/amd64"));
    assert_eq!(df.stages[1].name.as_deref(), Some("final"));
    assert_eq!(df.stages[1].instructions, 1..3);
    let from = df.instructions[2].copy_sources().and_then(|c| c.from);
    assert_eq!(
        df.stage_by_ref(from.as_deref().unwrap_or(""))
            .map(|s| s.index),
        Some(0)
    );
}

#[test]
fn bom_is_ignored() {
    let df = p("\u{feff}# syntax=x\nFROM a\n");
    assert_eq!(df.syntax.as_deref(), Some("x"));
}

#[test]
fn hostile_inputs_do_not_panic() {
    let long = "RUN ".to_owned() + &"x".repeat(200_000);
    let many = "RUN a \\\n".repeat(20_000);
    let inputs = [
        "RUN <<EOF\nno end",
        "\\",
        "\\\n\\\n\\",
        "FROM",
        "FROM \n",
        "FROM a AS",
        "RUN \0\0\0 <<\0\n\0\n",
        long.as_str(),
        many.as_str(),
        "# escape=",
        "# escape=garbage\nFROM a",
        "# escape=\u{1F600}",
        "#=\n#a=\n",
        "RUN --",
        "RUN --mount=",
        "RUN --mount=\"unterminated",
        "COPY <<",
        "COPY <<- /x",
        "RUN <<''\n\n",
        "RUN 1<<EOF 2<<EOF\nEOF\nEOF\n",
        "CMD [\"a\", ",
        "CMD [\"\\ud800\"]",
        "ENV",
        "ENV a",
        "ARG =",
        "\r\r\r\n\r",
        "RUN `\n",
        "ONBUILD",
        "ONBUILD RUN <<X\n",
        "\u{feff}",
        "RUN $ ${ ${# ${}",
    ];
    for input in inputs {
        if let Ok(df) = parse(input) {
            for i in &df.instructions {
                let _ = (i.cache_key(), i.mounts(), i.copy_sources());
                let _ = (i.arg_defs(), i.env_pairs(), i.variables_used());
                assert!(i.start_line <= i.end_line);
            }
        }
    }
    assert_eq!(p(&many).instructions.len(), 1);
    assert_eq!(p(&long).instructions[0].args.len(), 200_000);
}

#[test]
fn lone_escape_line_starts_a_continuation() {
    // BuildKit: a line holding only the escape character continues into the next.
    let df = p("\\\nRUN x\n");
    assert_eq!(df.instructions.len(), 1);
    assert_eq!(df.instructions[0].keyword, "RUN");
    assert_eq!(
        (df.instructions[0].start_line, df.instructions[0].end_line),
        (1, 2)
    );
}
