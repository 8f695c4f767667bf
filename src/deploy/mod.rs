//! What a push deploys, read from the repository the way each platform and CI system reads
//! it: the deploy map.
//!
//! The stage has one job per module: [`locate`] finds the configuration files of a tree,
//! [`workflows`] reads GitHub Actions workflows (triggers and deploy commands), [`fly`]
//! reads a fly config as flyctl does, [`platforms`] reads each Git-integrated platform's
//! file, [`filters`] implements each platform's path and branch pattern dialect, [`map`]
//! puts the targets of a tree together (reading the tree only through [`source`], which
//! records what it looked at, so that `map_cache` can reuse a map for a later tree where
//! none of that changed), and [`status`] says whether one push triggers each target and
//! why.
//!
//! This stage sits between `docker/` and `build/`: it names what each deploy builds (a
//! Dockerfile, a context), and `build/` predicts what that build re-runs.

pub mod filters;
pub mod fly;
pub mod locate;
pub mod map;
mod map_cache;
pub mod platforms;
pub mod source;
pub mod status;
pub mod target;
pub mod workflows;

pub use map::{map_of, DeployMap};
pub use status::{PushFacts, TargetStatus};
pub use target::{Branches, Build, DeployTarget, DockerBuild, Note, PathFilter, Platform, Via};
