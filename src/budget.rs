//! A wall-clock budget for one analysis (a push, a `check` range, a server's receive).
//!
//! Every input pushguard judges is capped, and its matchers are linear, but a hostile push
//! can still multiply sizes (ten thousand `.dockerignore` patterns that share no literal,
//! against thousands of files; thousands of refs). The stages that loop over such products
//! call [`tick`], which looks at the clock every few dozen calls; once the deadline has
//! passed, [`tick`] answers `true` and they stop early. The pipeline then reports every ref
//! whose analysis was cut short as *not inspected: time budget*, which the server blocks
//! and the pre-push hook reports loudly: a cut-short answer is never passed off as a
//! verdict.
//!
//! The budget is per thread (the analysis runs on one), and inert until [`start`].

use std::cell::Cell;
use std::time::{Duration, Instant};

/// How many [`tick`]s pass between two looks at the clock.
const TICKS_PER_CHECK: u32 = 64;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static TICKS: Cell<u32> = const { Cell::new(0) };
    static OVER: Cell<bool> = const { Cell::new(false) };
}

/// Starts a budget of `limit` from now (`None`: no limit), replacing any earlier one.
pub fn start(limit: Option<Duration>) {
    DEADLINE.with(|d| d.set(limit.map(|l| Instant::now() + l)));
    TICKS.with(|t| t.set(0));
    OVER.with(|o| o.set(false));
}

/// One unit of work done; `true` once the budget has run out (and from then on).
pub fn tick() -> bool {
    if OVER.with(Cell::get) {
        return true;
    }
    let n = TICKS.with(|t| {
        let n = t.get().wrapping_add(1);
        t.set(n);
        n
    });
    n % TICKS_PER_CHECK == 0 && over()
}

/// Whether the budget has run out (checking the clock now).
pub fn over() -> bool {
    if OVER.with(Cell::get) {
        return true;
    }
    let over = DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() >= at));
    if over {
        OVER.with(|o| o.set(true));
    }
    over
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_out_and_stays_out() {
        start(Some(Duration::from_millis(0)));
        assert!(over());
        assert!(tick());
        start(None);
        assert!(!over());
        assert!((0..1000).all(|_| !tick()));
    }
}
