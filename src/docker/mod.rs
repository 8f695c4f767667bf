//! Docker's inputs as pure models: no git, no configuration.
//!
//! [`dockerfile`] parses a Dockerfile the way BuildKit's frontend does and gives each
//! instruction its cache key; [`dockerignore`] decides which context paths reach the builder;
//! `gopath` is Go's path cleaning and `filepath.Match`, which both follow.

pub mod dockerfile;
pub mod dockerignore;
pub(crate) mod expand;
pub(crate) mod gopath;
