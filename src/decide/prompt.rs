//! The terminal confirm: one keystroke, default No.
//!
//! A pre-push hook's stdin is git's list of refs, so the question cannot be read from it:
//! the controlling terminal is opened explicitly as `/dev/tty`. Failing to open it is how
//! pushguard knows nobody is there (GUI clients, IDEs, agents, `setsid`).
//!
//! Ctrl-C: keys are read with [`console::Term::read_key_raw`], which puts the terminal in
//! raw mode for each key and restores it before returning. In raw mode the terminal does
//! not turn Ctrl-C into SIGINT (for git or for us): it arrives as a byte and comes back as
//! [`Key::CtrlC`], so pushguard cancels the push itself, with the terminal already back in
//! cooked mode. (dialoguer's `Confirm` reads with `read_key`, which re-raises SIGINT on
//! Ctrl-C after hiding the cursor, so the process would die with the cursor hidden; that
//! is why the key loop is here and dialoguer is used for the question's wording only.)
//! The cursor is never hidden. A signal from elsewhere (SIGTERM from a GUI client giving
//! up, SIGHUP from a closed terminal window, SIGINT sent to the process group) can arrive
//! while a key is awaited in raw mode: [`SignalGuard`] restores the terminal's saved modes
//! in the signal handler and then lets the signal end the process as it would have.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

use console::{Key, Term};
use dialoguer::theme::{SimpleTheme, Theme};

/// The controlling terminal, open for reading and writing.
pub struct Tty {
    term: Term,
    /// The terminal's descriptor (owned by `term`), for saving and restoring its modes.
    fd: RawFd,
}

/// What the person at the terminal answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    /// `n` or Enter (the default).
    No,
    /// Ctrl-C, Esc, `q` or end of input: the push is cancelled.
    Cancelled(Cancel),
}

/// How the question was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    CtrlC,
    Escape,
    Quit,
    EndOfInput,
}

impl Cancel {
    /// How the cancel is echoed after the question.
    pub fn echo(self) -> &'static str {
        match self {
            Cancel::CtrlC => "^C",
            Cancel::Escape => "(Esc)",
            Cancel::Quit => "q",
            Cancel::EndOfInput => "(end of input)",
        }
    }

    /// The key, for messages: `Ctrl-C`.
    pub fn name(self) -> &'static str {
        match self {
            Cancel::CtrlC => "Ctrl-C",
            Cancel::Escape => "Esc",
            Cancel::Quit => "q",
            Cancel::EndOfInput => "end of input",
        }
    }
}

impl Tty {
    /// Opens `/dev/tty`. Fails when the process has no controlling terminal.
    pub fn open() -> io::Result<Tty> {
        let read = open_dev_tty()?;
        let write = read.try_clone()?;
        let fd = read.as_raw_fd();
        let term = Term::read_write_pair(read, write);
        if !term.is_term() {
            return Err(io::Error::other("/dev/tty is not a terminal"));
        }
        Ok(Tty { term, fd })
    }

    /// Writes `text` as is (callers escape anything from the repository).
    pub fn write(&self, text: &str) -> io::Result<()> {
        self.term.write_str(text)?;
        self.term.flush()
    }

    /// Asks `question` (with ` [y/N] ` appended) and waits for one meaningful key; other
    /// keys are ignored. The answer is echoed after the question and the line ended.
    pub fn confirm(&self, question: &str) -> io::Result<Answer> {
        let mut text = String::new();
        // Formatting into a String cannot fail.
        let _ = SimpleTheme.format_confirm_prompt(&mut text, question, Some(false));
        self.write(&text)?;
        let _guard = SignalGuard::install(self.fd);
        let answer = loop {
            let key = match self.term.read_key_raw() {
                Ok(key) => key,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Key::Char('\x04'),
                Err(e) => {
                    let _ = self.write("\n");
                    return Err(e);
                }
            };
            if let Some(answer) = answer_for(&key) {
                break answer;
            }
        };
        let echo = match answer {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Cancelled(c) => c.echo(),
        };
        self.write(&format!("{echo}\n"))?;
        Ok(answer)
    }
}

/// The descriptor whose saved modes the handler restores; -1 when none is saved.
static SAVED_FD: AtomicI32 = AtomicI32::new(-1);

/// The saved modes: written before `SAVED_FD` is set and read only by the handler after
/// it sees `SAVED_FD` set, so the handler never reads it while it is written.
static mut SAVED_MODES: Option<libc::termios> = None;

/// The signals that end a waiting prompt from outside.
const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// While alive, a fatal signal restores the terminal's modes before it ends the process.
struct SignalGuard {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl SignalGuard {
    /// Saves `fd`'s modes and installs the handlers; a terminal whose modes cannot be read
    /// gets no guard (nothing to restore).
    fn install(fd: RawFd) -> Option<SignalGuard> {
        // SAFETY: plain libc calls on a descriptor owned by the open `Tty`; `termios` is a
        // plain C struct for which all-zero is a valid value.
        unsafe {
            let mut modes: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut modes) != 0 {
                return None;
            }
            SAVED_MODES = Some(modes);
            SAVED_FD.store(fd, Ordering::SeqCst);
            let mut previous = Vec::new();
            for sig in SIGNALS {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = restore_and_reraise as *const () as usize;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, &action, &mut old) == 0 {
                    previous.push((sig, old));
                }
            }
            Some(SignalGuard { previous })
        }
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        SAVED_FD.store(-1, Ordering::SeqCst);
        for (sig, old) in &self.previous {
            // SAFETY: reinstalls the action this guard replaced.
            unsafe {
                libc::sigaction(*sig, old, std::ptr::null_mut());
            }
        }
    }
}

/// The handler: `tcsetattr`, `signal` and `raise` are async-signal-safe.
extern "C" fn restore_and_reraise(sig: libc::c_int) {
    let fd = SAVED_FD.load(Ordering::SeqCst);
    // SAFETY: `SAVED_MODES` was written before `SAVED_FD` was set (see its comment); the
    // calls are async-signal-safe.
    unsafe {
        if fd >= 0 {
            if let Some(modes) = &*std::ptr::addr_of!(SAVED_MODES) {
                libc::tcsetattr(fd, libc::TCSANOW, modes);
            }
        }
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

fn open_dev_tty() -> io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// The answer a key gives, or `None` for keys that do not answer (they are ignored).
pub fn answer_for(key: &Key) -> Option<Answer> {
    match key {
        Key::Char('y' | 'Y') => Some(Answer::Yes),
        Key::Char('n' | 'N') | Key::Enter => Some(Answer::No),
        Key::CtrlC | Key::Char('\x03') => Some(Answer::Cancelled(Cancel::CtrlC)),
        Key::Escape => Some(Answer::Cancelled(Cancel::Escape)),
        Key::Char('q' | 'Q') => Some(Answer::Cancelled(Cancel::Quit)),
        Key::Char('\x04') => Some(Answer::Cancelled(Cancel::EndOfInput)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_no_and_only_y_says_yes() {
        assert_eq!(answer_for(&Key::Enter), Some(Answer::No));
        assert_eq!(answer_for(&Key::Char('n')), Some(Answer::No));
        assert_eq!(answer_for(&Key::Char('y')), Some(Answer::Yes));
        assert_eq!(answer_for(&Key::Char('Y')), Some(Answer::Yes));
        assert_eq!(answer_for(&Key::Char('x')), None);
        assert_eq!(answer_for(&Key::ArrowUp), None);
        assert_eq!(answer_for(&Key::Char(' ')), None);
    }

    #[test]
    fn ctrl_c_esc_and_eof_cancel() {
        assert_eq!(
            answer_for(&Key::CtrlC),
            Some(Answer::Cancelled(Cancel::CtrlC))
        );
        assert_eq!(
            answer_for(&Key::Escape),
            Some(Answer::Cancelled(Cancel::Escape))
        );
        assert_eq!(
            answer_for(&Key::Char('\x04')),
            Some(Answer::Cancelled(Cancel::EndOfInput))
        );
    }

    #[test]
    fn the_question_ends_with_the_default_no() {
        let mut s = String::new();
        SimpleTheme
            .format_confirm_prompt(&mut s, "Push anyway?", Some(false))
            .unwrap();
        assert_eq!(s, "Push anyway? [y/N] ");
    }
}
