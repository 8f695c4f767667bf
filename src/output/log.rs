//! `pushguard log`: the override log as a table for people.

use super::report::{width, wrap};
use crate::decide::audit::Line;
use crate::escape::escape;

/// The log as a table for people: a header, then two lines per entry (what, then why),
/// within 80 columns for typical names. Everything is escaped.
pub fn table(lines: &[Line]) -> String {
    let mut out = String::new();
    out.push_str("TIME                  HOW      REF                  COMMIT    RULES\n");
    for line in lines {
        match line {
            Line::Entry(e) => {
                let target = if e.remote.is_empty() {
                    e.ref_name.clone()
                } else {
                    format!("{}/{}", e.remote, e.ref_name)
                };
                let mut commit = e.commit.clone().unwrap_or_else(|| "-".to_owned());
                commit.truncate(8);
                let rules = if e.rules.is_empty() {
                    "(all)".to_owned()
                } else {
                    e.rules.join(", ")
                };
                let head = format!(
                    "{:<20}  {:<7}  {:<19}  {:<8}  {}",
                    e.time, e.how, target, commit, rules
                );
                out.push_str(escape(head.trim_end()).as_ref());
                out.push('\n');
                if !e.reason.is_empty() {
                    out.push_str(&wrap(&escape(&e.reason), "    ", "    ", width()));
                }
            }
            Line::Invalid { number, .. } => {
                out.push_str(&format!(
                    "(line {number} is not a pushguard log entry; see `pushguard log --format json`)\n"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::audit::{Entry, How};

    #[test]
    fn table_shows_entries_and_damage() {
        let e = Entry::new(
            0,
            "origin",
            "main",
            vec!["empty-commit".into()],
            How::Prompt,
            "confirmed at the terminal",
            Some("0123456789abcdef".into()),
        );
        let t = table(&[
            Line::Entry(e),
            Line::Invalid {
                number: 2,
                text: "\x1b[2J".into(),
            },
        ]);
        assert!(t.contains(
            "1970-01-01T00:00:00Z  prompt   origin/main          01234567  empty-commit\n"
        ));
        assert!(t.contains("    confirmed at the terminal\n"));
        assert!(t.contains("line 2 is not"));
        assert!(!t.contains('\x1b'));
        assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
    }
}
