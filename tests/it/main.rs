//! pushguard's integration tests: one test binary (as cargo and ripgrep do), a module per
//! area, all sharing the harness in [`common`]. Each test drives the real `pushguard` binary
//! and real git in throwaway repositories.

// Not every test module uses every helper of the harness.
#[allow(dead_code)]
mod common;

mod action;
mod apps;
mod audit;
mod buildkit;
mod bypass;
mod check_preview;
mod cli;
mod deploys;
mod engines;
mod forcing;
mod formats;
mod hostile;
mod install;
mod install_cmd;
mod managers;
mod memory;
mod prompt;
mod properties;
mod push;
mod refs_inferred;
mod rules;
mod rules_content;
mod rules_dockerfile;
mod scenarios;
mod server;
mod tools;
