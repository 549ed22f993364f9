//! Which lines of a pull request GitHub takes an inline comment on: the new side
//! (`side: RIGHT`) of each hunk of the diff from the merge-base of base and head to the
//! head, with three lines of context — the diff GitHub shows. The one home of that rule:
//! publishing places each finding with [`Commentable::place`] before anything is sent.

use std::collections::HashMap;
use std::path::Path;

use crate::diff::{self, FileStatus, HunkSpan};
use crate::git::{git_line, git_output};
use crate::model::Location;
use crate::target::{TargetError, DIFF_OPTS};

/// The commentable new-side lines of every file of a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commentable {
    files: HashMap<String, Vec<HunkSpan>>,
}

/// Where an inline comment goes: `line`, and `start_line` for a range of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub start_line: Option<u32>,
    pub line: u32,
}

impl Commentable {
    /// The hunks of a unified diff (`git diff` output); deleted and binary files have
    /// no new side to comment on.
    pub fn from_diff(text: &str) -> Commentable {
        let files = diff::parse_unified_diff(text)
            .into_iter()
            .filter(|f| f.status != FileStatus::Deleted && !f.binary)
            .map(|f| (f.path, f.hunks))
            .collect();
        Commentable { files }
    }

    /// The diff GitHub shows for a pull request of `head` onto `base` in the clone at
    /// `repo`: from their merge-base, three lines of context.
    pub fn from_git(repo: &Path, base: &str, head: &str) -> Result<Commentable, TargetError> {
        let merge_base = git_line(repo, &["merge-base", base, head])?;
        let mut args: Vec<&str> = vec!["diff", "-U3"];
        args.extend(DIFF_OPTS);
        args.extend([merge_base.as_str(), head, "--"]);
        let out = git_output(repo, &args)?;
        Ok(Commentable::from_diff(&String::from_utf8_lossy(&out)))
    }

    /// Where a finding at `location` can be commented on: its whole line range inside
    /// one hunk's new side; None when it has no line or any of its lines is outside.
    pub fn place(&self, location: &Location) -> Option<Placement> {
        let start = location.line_start?;
        let end = location.line_end.unwrap_or(start).max(start);
        let hunks = self.files.get(&location.path)?;
        let inside = hunks.iter().any(|h| {
            h.count > 0
                && start >= h.start
                && u64::from(end) < u64::from(h.start) + u64::from(h.count)
        });
        inside.then_some(Placement {
            start_line: (start != end).then_some(start),
            line: end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
index 1111111..2222222 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -1,3 +1,7 @@
 pub fn one() -> u32 {
     1
 }
+
+pub fn two() -> u32 {
+    2
+}
@@ -20,4 +24,3 @@ fn later() {
 a
-b
 c
 d
diff --git a/gone.rs b/gone.rs
deleted file mode 100644
--- a/gone.rs
+++ /dev/null
@@ -1,2 +0,0 @@
-x
-y
";

    #[test]
    fn a_range_is_commentable_only_inside_one_hunk_of_the_new_side() {
        let c = Commentable::from_diff(DIFF);
        let at = |path: &str, a: u32, b: u32| c.place(&Location::lines(path, a, b));
        assert_eq!(
            at("src/lib.rs", 5, 7),
            Some(Placement {
                start_line: Some(5),
                line: 7
            })
        );
        assert_eq!(
            at("src/lib.rs", 1, 1),
            Some(Placement {
                start_line: None,
                line: 1
            })
        );
        // Context lines count; the hunk's last new line is 7, the second hunk is 24-26.
        assert!(at("src/lib.rs", 7, 8).is_none());
        assert!(at("src/lib.rs", 12, 12).is_none());
        assert!(at("src/lib.rs", 24, 26).is_some());
        // Across the two hunks: not one range GitHub accepts.
        assert!(at("src/lib.rs", 6, 25).is_none());
        assert!(at("src/lib.rs", 27, 27).is_none());
        // A deleted file, an unknown file, a finding without a line.
        assert!(at("gone.rs", 1, 1).is_none());
        assert!(at("other.rs", 1, 1).is_none());
        assert!(c.place(&Location::file("src/lib.rs")).is_none());
    }
}
