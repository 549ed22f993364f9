//! Reads a work directory back into one value: manifest, target, the reviews, the run
//! records and what the diff says. This is what `consolidate` starts from, for a
//! directory `review` wrote or any folder of `review-<name>-pass-<n>.md` files.
//!
//! Everything in the directory may have been written by a reviewer, so every read is of
//! a regular file only (a FIFO, a device or a directory under a review's name is
//! skipped with a note, never opened in a way that blocks), and capped in size.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::layout::{self, DIFF_FILE};
use super::{load_target, Manifest};
use crate::diff;
use crate::model::{Limitation, RunRecord};
use crate::report;

/// The most of one review file that is read; the rest is cut, with a note.
pub const MAX_REVIEW_BYTES: u64 = 16 * 1024 * 1024;
/// The most of a run record or other JSON file that is read.
pub const MAX_JSON_BYTES: u64 = 4 * 1024 * 1024;
/// The most of `diff.patch` that is read for the diff facts.
const MAX_DIFF_BYTES: u64 = 256 * 1024 * 1024;

/// One review found in the directory: the latest pass of its reviewer.
#[derive(Debug, Clone)]
pub struct ReviewText {
    pub reviewer: String,
    pub pass: u32,
    pub path: PathBuf,
    pub text: String,
    /// Set when the file was larger than [`MAX_REVIEW_BYTES`] and was cut.
    pub truncated: bool,
}

/// What a work directory holds.
#[derive(Debug, Clone, Default)]
pub struct Contents {
    pub manifest: Option<Manifest>,
    pub target: Option<report::Target>,
    /// The latest pass of each reviewer, by reviewer name.
    pub reviews: Vec<ReviewText>,
    /// `run-<name>.json` records by reviewer name (unreadable ones are left out: the
    /// review itself, if any, is still used).
    pub records: BTreeMap<String, RunRecord>,
    /// Files the change touches (not deleted), from `diff.patch`.
    pub changed_files: Vec<String>,
    /// TODO/FIXME lines the diff adds.
    pub limitations: Vec<Limitation>,
    /// Entries that look like reviews or records but could not be read, by reviewer:
    /// why (not a regular file, unreadable, not text).
    pub skipped: BTreeMap<String, Vec<String>>,
    /// Files named like reviews whose reviewer name is not one (`[A-Za-z0-9_-]+`):
    /// left out, by file name (control characters made visible).
    pub ignored: Vec<String>,
    /// `pull-request.json`, when the review was of a pull request (its review threads).
    pub pull_request: Option<crate::github::PullRequest>,
}

impl Contents {
    /// Whether there is anything to consolidate.
    pub fn is_empty(&self) -> bool {
        self.reviews.is_empty() && self.records.is_empty() && self.skipped.is_empty()
    }

    /// Reviewer names: the manifest's panel order, then any other by name.
    pub fn reviewer_order(&self) -> Vec<String> {
        let mut order: Vec<String> = self
            .manifest
            .as_ref()
            .map(|m| m.reviewers.iter().map(|r| r.name.clone()).collect())
            .unwrap_or_default();
        let others = self.reviews.iter().map(|r| &r.reviewer);
        for name in others.chain(self.records.keys()).chain(self.skipped.keys()) {
            if !order.contains(name) {
                order.push(name.clone());
            }
        }
        order
    }
}

/// Reads `dir`. Fails only when the directory itself cannot be listed.
pub fn read(dir: &Path) -> io::Result<Contents> {
    let mut contents = Contents {
        manifest: Manifest::load(dir).ok().flatten(),
        target: load_target(dir).ok().flatten(),
        ..Contents::default()
    };
    let mut passes: BTreeMap<String, (u32, PathBuf)> = BTreeMap::new();
    let mut record_files = Vec::new();
    for entry in fs::read_dir(dir)?.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((reviewer, pass)) = layout::review_file_name(&name) {
            if !crate::config::valid_name(&reviewer) {
                contents.ignored.push(name.escape_debug().to_string());
                continue;
            }
            let newer = passes.get(&reviewer).is_none_or(|(p, _)| pass > *p);
            if newer {
                passes.insert(reviewer, (pass, entry.path()));
            }
        } else if let Some(reviewer) = layout::run_record_name(&name) {
            if !crate::config::valid_name(reviewer) {
                contents.ignored.push(name.escape_debug().to_string());
                continue;
            }
            record_files.push((reviewer.to_string(), entry.path()));
        }
    }
    for (reviewer, path) in record_files {
        let record = read_capped(&path, MAX_JSON_BYTES)
            .ok()
            .and_then(|(bytes, _)| serde_json::from_slice::<RunRecord>(&bytes).ok());
        let mut record = record.unwrap_or_default();
        if record.name.is_empty() {
            record.name = reviewer.clone();
        }
        contents.records.insert(reviewer, record);
    }
    // Decoding and checking each review (its digest, its text) side by side.
    let passes: Vec<(String, (u32, PathBuf))> = passes.into_iter().collect();
    let reads = crate::parallel::map(&passes, |(reviewer, (_, path))| {
        let record = contents.records.get(reviewer);
        read_capped(path, MAX_REVIEW_BYTES).and_then(|(bytes, truncated)| {
            check_against_record(record, path, &bytes, truncated)?;
            crate::review_text::usable_review(&bytes)
                .map(|text| (text, truncated))
                .map_err(|why| format!("not a usable review: {why}"))
        })
    });
    for ((reviewer, (pass, path)), read) in passes.into_iter().zip(reads) {
        match read {
            Ok((text, truncated)) => contents.reviews.push(ReviewText {
                reviewer,
                pass,
                path,
                text,
                truncated,
            }),
            Err(why) => contents
                .skipped
                .entry(reviewer)
                .or_default()
                .push(format!("{}: {why}", file_label(&path))),
        }
    }
    contents.pull_request = read_capped(&dir.join(layout::PULL_REQUEST_FILE), MAX_DIFF_BYTES)
        .ok()
        .filter(|(_, truncated)| !truncated)
        .and_then(|(bytes, _)| serde_json::from_slice(&bytes).ok());
    if let Ok((bytes, _)) = read_capped(&dir.join(DIFF_FILE), MAX_DIFF_BYTES) {
        let files = diff::parse_unified_diff(&String::from_utf8_lossy(&bytes));
        contents.changed_files = files
            .iter()
            .filter(|f| f.status != diff::FileStatus::Deleted)
            .map(|f| f.path.clone())
            .collect();
        contents.limitations = diff::acknowledged_limitations(&files);
    }
    Ok(contents)
}

/// The size and SHA-256 (lowercase hex) of a review as written, for its run record.
pub fn digest(bytes: &[u8]) -> (u64, String) {
    use sha2::{Digest, Sha256};
    (bytes.len() as u64, format!("{:x}", Sha256::digest(bytes)))
}

/// Refuses a review file that does not match what its run record says was written
/// (records without a size or hash, or describing another file, are not checked).
fn check_against_record(
    record: Option<&RunRecord>,
    path: &Path,
    bytes: &[u8],
    truncated: bool,
) -> Result<(), String> {
    let Some(record) = record.filter(|r| r.review_file.as_deref() == Some(&file_label(path)))
    else {
        return Ok(());
    };
    let (size, sha) = digest(bytes);
    let hint =
        "hint: run the review again, or delete its run record to consolidate the file as it is";
    if let Some(expected) = record.review_bytes {
        if truncated || size != expected {
            let found = if truncated {
                format!("more than {size}")
            } else {
                size.to_string()
            };
            return Err(format!(
                "does not match its run record: {expected} bytes were written, {found} are \
                 there (cut short or changed after the run); {hint}"
            ));
        }
    }
    match &record.review_sha256 {
        Some(expected) if !truncated && !expected.eq_ignore_ascii_case(&sha) => Err(format!(
            "does not match its run record: its SHA-256 is {short}…, the record says {e}… \
             (changed after the run); {hint}",
            short = &sha[..12],
            e = expected.get(..12).unwrap_or(expected)
        )),
        _ => Ok(()),
    }
}

fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads at most `cap` bytes of the regular file at `path` (following a symbolic
/// link), and whether there was more. Anything that is not a regular file is refused
/// before it is opened for reading, and the open itself does not block (a FIFO swapped
/// in between the check and the open is caught by checking the opened file again).
pub fn read_capped(path: &Path, cap: u64) -> Result<(Vec<u8>, bool), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let meta = fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!("not a regular file ({})", kind(&meta)));
    }
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| e.to_string())?;
    let opened = file.metadata().map_err(|e| e.to_string())?;
    if !opened.is_file() {
        return Err(format!("not a regular file ({})", kind(&opened)));
    }
    let mut bytes = Vec::with_capacity(opened.len().min(cap) as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    let truncated = bytes.len() as u64 > cap;
    bytes.truncate(cap as usize);
    Ok((bytes, truncated))
}

fn kind(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_pass_records_and_diff_facts() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("review-a-pass-1.md"), "old").unwrap();
        fs::write(d.join("review-a-pass-2.md"), "new").unwrap();
        fs::write(d.join("run-b.json"), r#"{"status":"failed"}"#).unwrap();
        fs::write(d.join("run-c.json"), "not json").unwrap();
        fs::write(
            d.join(DIFF_FILE),
            "diff --git a/x.rs b/x.rs\n--- a/x.rs\n+++ b/x.rs\n@@ -1 +1,2 @@\n a\n+// TODO: later\n",
        )
        .unwrap();
        let c = read(d).unwrap();
        assert_eq!(c.reviews.len(), 1);
        assert_eq!((c.reviews[0].pass, c.reviews[0].text.as_str()), (2, "new"));
        assert_eq!(c.records["b"].name, "b");
        assert_eq!(c.records["c"].name, "c");
        assert_eq!(c.changed_files, ["x.rs"]);
        assert_eq!(c.limitations.len(), 1);
        assert_eq!(c.reviewer_order(), ["a", "b", "c"]);
    }

    #[test]
    fn only_regular_files_are_read_and_never_block() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("review-dir-pass-1.md")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(d.join("review-fifo-pass-1.md"))
            .status()
            .unwrap();
        assert!(made.success());
        std::os::unix::fs::symlink("/dev/zero", d.join("review-zero-pass-1.md")).unwrap();
        fs::write(d.join("review-ok-pass-1.md"), "fine").unwrap();
        let c = read(d).unwrap();
        assert_eq!(c.reviews.len(), 1, "{:?}", c.reviews);
        let why: Vec<String> = c.skipped.values().flatten().cloned().collect();
        assert_eq!(why.len(), 3, "{why:?}");
        assert!(why.iter().any(|w| w.contains("a FIFO")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("a device")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("a directory")), "{why:?}");
    }

    #[test]
    fn garbage_and_odd_names_are_not_reviews() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(
            d.join("review-bin-pass-1.md"),
            [0u8, 159, 146, 150, 1, 2, 3, 0, 255],
        )
        .unwrap();
        fs::write(d.join("review-a\u{1b}[31m-pass-1.md"), "## Summary\n\nok\n").unwrap();
        fs::write(
            d.join("review-ok-pass-1.md"),
            "## Summary\n\nFine\u{1b}]0;x\u{7}\n",
        )
        .unwrap();
        let c = read(d).unwrap();
        assert_eq!(c.reviews.len(), 1);
        assert!(!c.reviews[0]
            .text
            .chars()
            .any(|ch| ch.is_control() && ch != '\n'));
        assert!(
            c.skipped["bin"][0].contains("not a usable review"),
            "{:?}",
            c.skipped
        );
        assert_eq!(c.ignored.len(), 1, "{:?}", c.ignored);
        assert!(!c.ignored[0].contains('\u{1b}'));
    }

    #[test]
    fn a_review_that_no_longer_matches_its_record_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let written = "## Summary\n\nAll good, nothing to add here.\n";
        let (bytes, sha) = digest(written.as_bytes());
        let record = |name: &str, with_digest: bool| {
            let mut r = RunRecord {
                name: name.into(),
                review_file: Some(layout::review_file(name, 1)),
                ..RunRecord::default()
            };
            if with_digest {
                r.review_bytes = Some(bytes);
                r.review_sha256 = Some(sha.clone());
            }
            serde_json::to_string(&r).unwrap()
        };
        // Intact; cut short (a full disk); same size, other bytes; an old record.
        let cases = [
            ("intact", written.to_string(), true),
            ("cut", written[..20].to_string(), true),
            ("changed", written.replace("good", "bad!"), true),
            ("old", written[..20].to_string(), false),
        ];
        for (name, text, with_digest) in &cases {
            fs::write(d.join(layout::review_file(name, 1)), text).unwrap();
            fs::write(
                d.join(layout::run_record_file(name)),
                record(name, *with_digest),
            )
            .unwrap();
        }
        let c = read(d).unwrap();
        let read: Vec<&str> = c.reviews.iter().map(|r| r.reviewer.as_str()).collect();
        assert_eq!(read, ["intact", "old"]);
        assert!(
            c.skipped["cut"][0].contains(&format!("{bytes} bytes were written, 20 are there")),
            "{:?}",
            c.skipped
        );
        assert!(
            c.skipped["changed"][0].contains("its SHA-256 is"),
            "{:?}",
            c.skipped
        );
        assert!(c.skipped["changed"][0].contains("hint: "));
    }

    #[test]
    fn large_files_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "abcdef").unwrap();
        assert_eq!(read_capped(&path, 4).unwrap(), (b"abcd".to_vec(), true));
        assert_eq!(read_capped(&path, 6).unwrap(), (b"abcdef".to_vec(), false));
    }
}
