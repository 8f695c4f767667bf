//! What a deploy rebuilds: the apps a commit deploys ([`apps`]), the steps of each app's
//! image build a push re-runs ([`rebuild`]) and the build tier that follows ([`verdict`]).

pub mod apps;
pub mod rebuild;
pub mod verdict;
