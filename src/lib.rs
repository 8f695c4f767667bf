//! pushguard: a git pre-push hook that tells what each push will make a deploy builder
//! rebuild, and warns about or blocks pushes that waste builds or leak secrets.
//!
//! The folders follow the data flow; each stage uses only the stages before it and the leaf
//! modules (docs/architecture.md has the map):
//!
//! [`git`] (ref updates, commit ranges, change sets) → [`docker`] (Dockerfile and
//! `.dockerignore` models) → `deploy` (the deploy map: what each push deploys) → `build`
//! (apps, rebuild prediction, verdict) → [`rules`]
//! (findings) → [`pipeline`] (one analysis per push) → [`decide`] (waivers, policy, the
//! prompt) → [`output`] (text, JSON, SARIF, GitHub) — driven by [`commands`].

// zlib-rs provides the zlib functions libgit2 calls (`inflate`, `inflateInit_`, ...): the
// link resolves them to it instead of the system's libz. Inflating is about a third of a
// long push's time, and zlib-rs inflates markedly faster than zlib 1.2/1.3 (SIMD copies
// and checksums, chosen at run time). See docs/performance.md.
use libz_rs_sys as _;

pub mod audit;
pub(crate) mod build;
pub mod commands;
pub mod config;
pub mod decide;
pub(crate) mod deploy;
pub mod docker;
pub mod git;
pub mod output;
pub mod pipeline;
pub mod rules;
pub mod setup;

pub mod ascii;
pub(crate) mod budget;
pub mod error;
pub mod escape;
pub(crate) mod files;
pub mod finding;
pub mod globs;
pub mod hash;
pub(crate) mod mask;
pub mod memory;
pub mod panic;
pub(crate) mod paths;
pub mod severity;
pub(crate) mod state;
pub mod tier;
