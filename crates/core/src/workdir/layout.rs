//! Every file name of a work directory (SPEC section 3), in one place: what the
//! reviewers' runs write, what `consolidate` reads back and what the report adds. No
//! other module spells these names.

use crate::options::Format;

/// The unified diff of the change.
pub const DIFF_FILE: &str = "diff.patch";
/// The change at a glance, for people and reviewers.
pub const CONTEXT_FILE: &str = "context.md";
/// The exact prompt every reviewer gets.
pub const PROMPT_FILE: &str = "prompt.md";
/// The target, for the tool (`report::Target`).
pub const TARGET_FILE: &str = "target.json";
/// The panel and settings of the review (`Manifest`).
pub const MANIFEST_FILE: &str = "review.json";
/// A pull request under review as GitHub gave it (`github::PullRequest`): its threads
/// become Unresolved Feedback when the work directory is consolidated.
pub const PULL_REQUEST_FILE: &str = "pull-request.json";
/// What `review --post --dry-run` would have sent to the pull request
/// (`github::publish`): each request's method, path and JSON body.
pub const POST_PAYLOAD_FILE: &str = "post-payload.json";
/// The consolidator model's folder in a work directory: its prompt, answer, transcript
/// and run record, apart from the panel's (a panel reviewer may be the consolidator too).
pub const CONSOLIDATOR_DIR: &str = "consolidator";
/// Under [`CONSOLIDATOR_DIR`]: the empty folder the consolidator runs in (it works from
/// the report, not the code).
pub const CONSOLIDATOR_CHECKOUT: &str = "no-checkout";
/// The directory under the repository root that holds deep-review's files.
pub const STATE_DIR: &str = ".deep-review";
/// Under [`STATE_DIR`]: where work directories go by default.
pub const REVIEWS_DIR: &str = "reviews";

/// The file the report is written to in `format`.
pub fn report_file(format: Format) -> &'static str {
    match format {
        Format::Markdown => "REVIEW.md",
        Format::Json => "report.json",
        Format::Sarif => "report.sarif",
        Format::Html => "REVIEW.html",
    }
}

/// `review-<reviewer>-pass-<n>.md`: one reviewer's review of one round.
pub fn review_file(reviewer: &str, pass: u32) -> String {
    format!("review-{reviewer}-pass-{pass}.md")
}

/// `review-<reviewer>-pass-<n>.md` → (`reviewer`, n).
pub fn review_file_name(name: &str) -> Option<(String, u32)> {
    let stem = name.strip_prefix("review-")?.strip_suffix(".md")?;
    let (reviewer, pass) = stem.rsplit_once("-pass-")?;
    if reviewer.is_empty() {
        return None;
    }
    Some((reviewer.to_string(), pass.parse().ok()?))
}

/// `run-<reviewer>.json`: the reviewer's run record.
pub fn run_record_file(reviewer: &str) -> String {
    format!("run-{reviewer}.json")
}

/// `run-<reviewer>.json` → `reviewer`.
pub fn run_record_name(name: &str) -> Option<&str> {
    name.strip_prefix("run-")?
        .strip_suffix(".json")
        .filter(|reviewer| !reviewer.is_empty())
}

/// `transcript-<reviewer>.jsonl`: the raw stream or output of the reviewer's program.
pub fn transcript_file(reviewer: &str) -> String {
    format!("transcript-{reviewer}.jsonl")
}

/// `output-<reviewer>.md`: where a `command` reviewer in `output = "file"` mode writes.
pub fn command_output_file(reviewer: &str) -> String {
    format!("output-{reviewer}.md")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_file_names() {
        let cases: &[(&str, Option<(&str, u32)>)] = &[
            ("review-claude-pass-1.md", Some(("claude", 1))),
            ("review-my-script-pass-12.md", Some(("my-script", 12))),
            ("review-a-pass-b-pass-3.md", Some(("a-pass-b", 3))),
            ("review--pass-1.md", None),
            ("review-claude-pass-x.md", None),
            ("review-claude-pass-1.txt", None),
            ("claude-pass-1.md", None),
            ("review-claude-pass--1.md", None),
        ];
        for (name, want) in cases {
            let got = review_file_name(name);
            assert_eq!(got, want.map(|(r, p)| (r.to_string(), p)), "{name}");
        }
    }

    #[test]
    fn names_read_back() {
        for (reviewer, pass) in [("claude", 1), ("my-bot_2", 3), ("a-pass-b", 12)] {
            let name = review_file(reviewer, pass);
            assert_eq!(review_file_name(&name), Some((reviewer.to_string(), pass)));
            assert_eq!(run_record_name(&run_record_file(reviewer)), Some(reviewer));
        }
        for bad in [
            "review--pass-1.md",
            "review-x-pass-.md",
            "review-x.md",
            "run-.json",
        ] {
            assert_eq!(review_file_name(bad), None, "{bad}");
            assert_eq!(run_record_name(bad), None, "{bad}");
        }
    }
}
