//! Colour for what pushguard prints to people.
//!
//! Colour is decided once per run from `--color`, `NO_COLOR` and whether stderr (where the
//! hook reports) is a terminal, and then carried as a [`Style`] value, so rendering code
//! stays pure and testable. Painting only ever wraps text that is already escaped: the
//! only escape sequences in the output are the ones added here.

use std::ffi::OsStr;
use std::io::IsTerminal;

use crate::severity::Severity;

/// The `--color` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal that is not `TERM=dumb` and `NO_COLOR` is unset or
    /// empty (<https://no-color.org>).
    #[default]
    Auto,
    Always,
    Never,
}

/// One of the few colours pushguard uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Bold,
    Dim,
    Red,
    Yellow,
    Green,
    Cyan,
}

impl Paint {
    fn sgr(self) -> &'static str {
        match self {
            Paint::Bold => "1",
            Paint::Dim => "2",
            Paint::Red => "1;31",
            Paint::Yellow => "1;33",
            Paint::Green => "32",
            Paint::Cyan => "36",
        }
    }
}

/// Whether to paint, decided once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// No colour at all.
    pub const PLAIN: Style = Style { color: false };

    pub fn new(color: bool) -> Style {
        Style { color }
    }

    /// The style for text written to stderr by this process.
    pub fn for_stderr(choice: ColorChoice) -> Style {
        Style::for_stream(choice, std::io::stderr().is_terminal())
    }

    /// The style for text written to stdout by this process (`check`'s report).
    pub fn for_stdout(choice: ColorChoice) -> Style {
        Style::for_stream(choice, std::io::stdout().is_terminal())
    }

    fn for_stream(choice: ColorChoice, is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR");
        let term = std::env::var_os("TERM");
        Style::new(use_color(
            choice,
            is_terminal,
            no_color.as_deref(),
            term.as_deref(),
        ))
    }

    pub fn is_colored(self) -> bool {
        self.color
    }

    /// `text` wrapped in `paint`'s escape sequences, or `text` itself without colour.
    pub fn paint(self, paint: Paint, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{}m{text}\x1b[0m", paint.sgr())
        } else {
            text.to_owned()
        }
    }

    /// `text` in the colour of `severity`.
    pub fn severity(self, severity: Severity, text: &str) -> String {
        let paint = match severity {
            Severity::Block => Paint::Red,
            Severity::Warn => Paint::Yellow,
            Severity::Info => Paint::Cyan,
        };
        self.paint(paint, text)
    }
}

/// The number of columns of the terminal stderr is; `None` when it is not a terminal or
/// does not say.
pub fn stderr_columns() -> Option<usize> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    // SAFETY: TIOCGWINSZ fills a `winsize` the size libc declares, and the pointer is to a
    // live, writable local; the call only reads the descriptor's terminal state.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// The colour decision, from its inputs. An explicit `always`/`never` wins over the
/// environment, as with git's own `--color`.
pub fn use_color(
    choice: ColorChoice,
    is_terminal: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = no_color.is_some_and(|v| !v.is_empty());
            let dumb = term.is_some_and(|t| t == "dumb");
            is_terminal && !no_color && !dumb
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_needs_a_terminal_and_respects_no_color_and_dumb() {
        let xterm = Some(OsStr::new("xterm"));
        assert!(use_color(ColorChoice::Auto, true, None, xterm));
        assert!(!use_color(ColorChoice::Auto, false, None, xterm));
        assert!(!use_color(
            ColorChoice::Auto,
            true,
            Some(OsStr::new("1")),
            xterm
        ));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(use_color(
            ColorChoice::Auto,
            true,
            Some(OsStr::new("")),
            xterm
        ));
        assert!(!use_color(
            ColorChoice::Auto,
            true,
            None,
            Some(OsStr::new("dumb"))
        ));
    }

    #[test]
    fn explicit_choice_wins() {
        assert!(use_color(
            ColorChoice::Always,
            false,
            Some(OsStr::new("1")),
            None
        ));
        assert!(!use_color(ColorChoice::Never, true, None, None));
    }

    #[test]
    fn plain_style_adds_nothing() {
        assert_eq!(Style::PLAIN.paint(Paint::Red, "x"), "x");
        assert_eq!(
            Style::new(true).paint(Paint::Red, "x"),
            "\x1b[1;31mx\x1b[0m"
        );
        assert_eq!(Style::new(true).paint(Paint::Red, ""), "");
    }
}
