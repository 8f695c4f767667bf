//! `RUN` steps that carry a build marker: `RUN echo "REBUILD: 1768908340" && date`, or a
//! real step with a cache-killing banner echoed in it. BuildKit keys a `RUN` on its text,
//! so rewriting the marker re-runs the step and every step after it, and the step itself
//! leaves nothing the image needs.

use crate::docker::dockerfile::Instruction;

use super::super::intent::{is_stamp_token, says_forcing};

/// Commands that change nothing in the image's filesystem.
const NO_OP_COMMANDS: &[&str] = &[
    "echo", "printf", "date", "true", ":", "uname", "sleep", "whoami", "pwd", "env", "hostname",
    "id", "ls", "cat",
];

/// What a changed `RUN` carries, when it is a marker step: the echoed text that gives it
/// away (shortened by the caller).
pub(super) fn marker_run(inst: &Instruction) -> Option<String> {
    if inst.keyword != "RUN" || inst.exec_form.is_some() || !inst.heredocs.is_empty() {
        return None;
    }
    let text = inst.args.as_str();
    // A `$VAR`/`${VAR}` marker is an ARG's doing: `cache-bust-arg` reports it.
    if uses_variable(text) {
        return None;
    }
    let segments: Vec<&str> = text
        .split(['&', '|', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let all_no_ops = segments.iter().all(|s| {
        let command = s.split_whitespace().next().unwrap_or("");
        NO_OP_COMMANDS.contains(&command.trim_start_matches('('))
    });
    let echoed: Vec<&str> = segments
        .iter()
        .copied()
        .filter(|s| s.starts_with("echo") || s.starts_with("printf"))
        .collect();
    let forcing = echoed.iter().any(|s| says_forcing(s));
    let stamped = echoed.iter().any(|s| {
        s.split_whitespace().any(is_stamp_token) || s.contains("$(date") || s.contains("`date")
    });
    let marker = forcing || (all_no_ops && stamped);
    marker.then(|| echoed.first().copied().unwrap_or(text).to_owned())
}

/// Whether a shell command reads a variable (`$NAME`, `${NAME}`), as opposed to a command
/// substitution (`$(date)`).
fn uses_variable(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'$' && (w[1] == b'{' || w[1] == b'_' || w[1].is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::dockerfile::parse;

    fn first_run(text: &str) -> Option<String> {
        let df = parse(text).expect("parses");
        df.instructions
            .iter()
            .find(|i| i.keyword == "RUN")
            .and_then(marker_run)
    }

    #[test]
    fn echo_steps_with_a_stamp_or_a_forcing_word_are_markers() {
        for run in [
            "FROM x\nRUN echo \"REBUILD: 1768908340\" && date || true\n",
            "FROM x\nRUN echo \"trigger 2026-01-20T12:30:00Z\"\n",
            "FROM x\nRUN apt-get update && apt-get install -y file && echo \"BUILD: $(date +%s) - CACHE KILLER\"\n",
            "FROM x\nRUN echo \"force rebuild\"\n",
        ] {
            assert!(first_run(run).is_some(), "{run}");
        }
    }

    #[test]
    fn real_steps_are_not_markers() {
        for run in [
            "FROM x\nRUN pip install -r requirements.txt\n",
            "FROM x\nRUN echo \"building\" && npm ci\n",
            "FROM x\nRUN echo \"Build: $BUILD_ID\"\n",
            "FROM x\nRUN echo \"ok\"\n",
            "FROM x\nRUN apt-get install -y curl && echo \"installed 2024-01-01\"\n",
        ] {
            assert!(first_run(run).is_none(), "{run}");
        }
    }
}
