//! Real build times: the steps of BuildKit's plain progress logs, matched to an app's
//! Dockerfile and kept per instruction, for `[build] estimate = "steps"`.
//!
//! The log format is BuildKit's `--progress=plain`, which `docker build`, `docker buildx
//! build` and `fly deploy` print (moby/buildkit, `util/progress/progressui`): each vertex is
//! numbered, `#8 [stage 4/7] RUN pip install -r requirements.txt` names it, its output lines
//! follow as `#8 0.512 …`, and it ends with `#8 DONE 41.2s`, `#8 CACHED` or `#8 ERROR: …`.
//! The name is the instruction as the Dockerfile frontend writes it: the keyword upper-cased,
//! then its flags and arguments.
//!
//! Invariants:
//! - A step is keyed by its instruction's text with runs of whitespace collapsed, so a
//!   Dockerfile's continuation lines and the log's one-line name give the same key; a step
//!   whose name the frontend rewrote (an expanded `$VAR`) simply does not match, and the
//!   estimate falls back to `[build.weights]` for it.
//! - Only steps that ran count (`DONE`); a `CACHED` step says nothing about its cost.
//! - Times are kept per Dockerfile path, as a running mean over every calibrated build.

use std::collections::BTreeMap;
use std::path::PathBuf;

use git2::Repository;
use serde::{Deserialize, Serialize};

use crate::docker::dockerfile::Instruction;

/// A step BuildKit ran, and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedStep {
    /// The instruction's key ([`key_of_text`]).
    pub key: String,
    pub seconds: f64,
}

/// The steps that ran in `log`, in the order they finished. Lines that are not BuildKit's
/// (a platform's own output around the build) are ignored.
pub fn parse_plain(log: &str) -> Vec<LoggedStep> {
    let mut names: BTreeMap<&str, String> = BTreeMap::new();
    let mut out = Vec::new();
    for line in log.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((vertex, text)) = rest.split_once(' ') else {
            continue;
        };
        if vertex.is_empty() || !vertex.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Some(label) = text.strip_prefix('[') {
            // `[internal] load …`, `[auth] …` are BuildKit's own work, not steps.
            if let Some((position, name)) = label.split_once("] ") {
                if position.contains('/') {
                    names.insert(vertex, key_of_text(name));
                }
            }
        } else if let Some(time) = text.strip_prefix("DONE ") {
            let seconds = time.trim().trim_end_matches('s').parse::<f64>();
            if let (Some(key), Ok(seconds)) = (names.remove(vertex), seconds) {
                out.push(LoggedStep { key, seconds });
            }
        } else if text.starts_with("CACHED") || text.starts_with("ERROR") {
            names.remove(vertex);
        }
    }
    out
}

/// An instruction's text as a key: whitespace runs collapsed to one space, trimmed.
pub fn key_of_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key of a parsed instruction: its keyword, flags and arguments as the frontend names
/// the step.
pub fn key_of(ins: &Instruction) -> String {
    key_of_text(&ins.written())
}

/// One step's measured time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// The mean over `samples` builds.
    pub seconds: f64,
    pub samples: u32,
}

/// Measured step times per Dockerfile path (repository-relative), per step key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub version: u32,
    pub dockerfiles: BTreeMap<String, BTreeMap<String, Sample>>,
}

impl Eq for Measured {}

const FILE: &str = "build-times.json";
/// A calibration file larger than this was not written by pushguard.
const MAX_BYTES: u64 = 4 << 20;

impl Measured {
    /// Where this clone keeps them.
    pub fn path(repo: &Repository) -> PathBuf {
        crate::state::state_dir(repo).join(FILE)
    }

    /// The measured times of this clone: `Ok(None)` when none were recorded, `Err` (with
    /// what to do) when the file is there but cannot be used.
    pub fn load(repo: &Repository) -> Result<Option<Measured>, String> {
        let path = Measured::path(repo);
        let bytes = match crate::files::read_regular(&path, MAX_BYTES + 1) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        if bytes.len() as u64 > MAX_BYTES {
            return Err(format!(
                "{} is not a regular file of at most 4 MiB; remove it and run `pushguard \
                 calibrate` again",
                path.display()
            ));
        }
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            format!(
                "{} is not a calibration pushguard wrote ({e}); remove it and run `pushguard \
                 calibrate` again",
                path.display()
            )
        })
    }

    /// Writes them back, replacing the file atomically.
    pub fn save(&self, repo: &Repository) -> std::io::Result<()> {
        std::fs::create_dir_all(crate::state::state_dir(repo))?;
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::files::replace(&Measured::path(repo), &[&text], None)
            .map_err(crate::files::ReplaceError::into_io)
    }

    /// Adds one build's steps of `dockerfile` to the running means.
    pub fn add(&mut self, dockerfile: &str, steps: &[LoggedStep]) {
        self.version = 1;
        let times = self.dockerfiles.entry(dockerfile.to_owned()).or_default();
        for s in steps {
            let sample = times.entry(s.key.clone()).or_insert(Sample {
                seconds: 0.0,
                samples: 0,
            });
            let n = f64::from(sample.samples);
            sample.seconds = (sample.seconds * n + s.seconds) / (n + 1.0);
            sample.samples += 1;
        }
    }

    /// The measured seconds of the step `key` of `dockerfile`, rounded up.
    pub fn seconds(&self, dockerfile: &str, key: &str) -> Option<u32> {
        let s = self.dockerfiles.get(dockerfile)?.get(key)?;
        Some(s.seconds.ceil().clamp(0.0, f64::from(u32::MAX)) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "#0 building with \"default\" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 187B done
#1 DONE 0.0s

#5 [1/4] FROM docker.io/library/python:3.12@sha256:abc
#5 CACHED

#6 [2/4] WORKDIR /app
#6 CACHED

#7 [3/4] COPY requirements.txt .
#7 DONE 0.1s

#8 [4/4] RUN pip install   -r requirements.txt
#8 0.512 Collecting flask
#8 41.20 Successfully installed flask
#8 DONE 41.2s

#9 [builder 2/3] RUN make
#9 ERROR: process did not complete
";

    #[test]
    fn only_steps_that_ran_are_timed_with_their_whitespace_collapsed() {
        let steps = parse_plain(LOG);
        assert_eq!(
            steps,
            vec![
                LoggedStep {
                    key: "COPY requirements.txt .".into(),
                    seconds: 0.1
                },
                LoggedStep {
                    key: "RUN pip install -r requirements.txt".into(),
                    seconds: 41.2
                },
            ]
        );
    }

    #[test]
    fn means_accumulate_per_dockerfile() {
        let mut m = Measured::default();
        m.add("Dockerfile", &parse_plain(LOG));
        m.add(
            "Dockerfile",
            &[LoggedStep {
                key: "RUN pip install -r requirements.txt".into(),
                seconds: 20.0,
            }],
        );
        assert_eq!(
            m.seconds("Dockerfile", "RUN pip install -r requirements.txt"),
            Some(31)
        );
        assert_eq!(m.seconds("api/Dockerfile", "COPY requirements.txt ."), None);
    }

    #[test]
    fn a_parsed_instruction_keys_like_its_log_name() {
        let df = crate::docker::dockerfile::parse(
            "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache pip install \\\n    -r requirements.txt\n",
        )
        .expect("parses");
        assert_eq!(
            key_of(&df.instructions[1]),
            "RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt"
        );
    }
}
