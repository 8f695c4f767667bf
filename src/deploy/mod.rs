//! What a push deploys, read from the repository the way each platform and CI system reads
//! it. For now: the GitHub Actions workflows that run `flyctl deploy`, which decide a fly
//! app's build context ([`workflows`]).
//!
//! This stage sits between `docker/` and `build/`: it names what each deploy builds (a
//! config, a context), and `build/` predicts what that build re-runs.

pub mod workflows;
