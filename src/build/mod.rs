//! What a deploy rebuilds: the apps a commit deploys ([`apps`]), the steps of each app's
//! image build a push re-runs ([`rebuild`]) and the build tier that follows ([`verdict`]);
//! [`context`] says which build context and `.dockerignore` a path belongs to, for the
//! prediction and the rules alike.

pub mod apps;
pub mod calibrate;
pub mod context;
pub mod rebuild;
pub mod verdict;
