//! Every byte pushguard writes for people or programs: the text report, JSON, SARIF, GitHub
//! annotations, and the colours they use.

pub mod github;
pub mod report;
pub mod sarif;
pub mod style;
