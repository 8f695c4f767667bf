//! What a push deploys, read from the repository the way each platform and CI system reads
//! it: the deploy map.
//!
//! This stage sits between `docker/` and `build/`: it names what each deploy builds (a
//! config, a context), and `build/` predicts what that build re-runs.

pub mod target;
pub mod workflows;

pub use target::{Branches, Build, DeployTarget, DockerBuild, Note, PathFilter, Platform, Read, Via};
