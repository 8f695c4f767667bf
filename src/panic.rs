//! What a user sees if pushguard has a bug: one line asking for a report, never a
//! backtrace.

/// Replaces the default panic hook. The message names what failed and where in pushguard's
/// source, so a bug report can be acted on; the push then follows `[policy] on_error`
/// through the hook's exit code (a panic exits with status 101, which git treats as a
/// failed hook: the push is stopped, and `git push --no-verify` gets past it).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_owned());
        eprintln!(
            "pushguard: internal error ({}{location}); this is a bug in pushguard {}, please report it with the command you ran. `git push --no-verify` skips pushguard for this push.",
            crate::escape::escape(&payload),
            env!("CARGO_PKG_VERSION")
        );
    }));
}
