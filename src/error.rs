//! The shape of the library's typed errors: one small type per stage (`git::Error`,
//! `config::LoadError`, `state::Error`), each a message and, optionally, the library error
//! underneath, so that `anyhow` stays in `commands/` and `main.rs`.
//!
//! Invariant: `{}` shows the message alone and [`std::error::Error::source`] gives the error
//! underneath, so an `anyhow::Error` made from one prints exactly what `anyhow`'s own
//! `.context(message)` printed; `{:#}` shows the whole chain, `message: cause: ...`, as
//! `anyhow` does, for callers that print the typed error themselves.

use std::error::Error;
use std::fmt;

/// The error underneath a stage's error.
pub type Source = Box<dyn Error + Send + Sync + 'static>;

/// Writes `message`, and with `{:#}` every error of the `source` chain after it.
pub(crate) fn write_chain(
    f: &mut fmt::Formatter<'_>,
    message: &str,
    source: Option<&(dyn Error + 'static)>,
) -> fmt::Result {
    f.write_str(message)?;
    if f.alternate() {
        let mut next = source;
        while let Some(e) = next {
            write!(f, ": {}", shown(e))?;
            next = e.source();
        }
    }
    Ok(())
}

/// How one error of a chain reads to a user: its message. libgit2's errors show their
/// class and code after it (`...; class=Reference (4); code=NotFound (-3)`), which are
/// libgit2's internals, so only their message is shown.
pub fn shown(e: &(dyn Error + 'static)) -> String {
    match e.downcast_ref::<git2::Error>() {
        Some(git) => git.message().to_owned(),
        None => e.to_string(),
    }
}

/// Defines a stage's error type: a message and an optional source, see the module docs.
macro_rules! stage_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            message: String,
            source: Option<$crate::error::Source>,
        }

        impl $name {
            /// An error with no error underneath.
            #[allow(dead_code)] // not every stage has errors of both kinds
            pub fn new(message: impl Into<String>) -> $name {
                $name {
                    message: message.into(),
                    source: None,
                }
            }

            /// `message` about `source`, the error underneath.
            pub fn with_source(
                message: impl Into<String>,
                source: impl Into<$crate::error::Source>,
            ) -> $name {
                $name {
                    message: message.into(),
                    source: Some(source.into()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::error::write_chain(f, &self.message, std::error::Error::source(self))
            }
        }

        impl std::error::Error for $name {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                match &self.source {
                    Some(e) => Some(e.as_ref()),
                    None => None,
                }
            }
        }
    };
}

pub(crate) use stage_error;

#[cfg(test)]
mod tests {
    stage_error!(
        /// A test stage.
        TestError
    );

    #[test]
    fn the_chain_shows_with_the_alternate_flag_only() {
        let io = std::io::Error::other("disk full");
        let e = TestError::with_source("cannot write x", io);
        assert_eq!(e.to_string(), "cannot write x");
        assert_eq!(format!("{e:#}"), "cannot write x: disk full");
        let a = anyhow::Error::from(e);
        assert_eq!(format!("{a:#}"), "cannot write x: disk full");
        assert_eq!(format!("{:#}", TestError::new("plain")), "plain");
    }
}
