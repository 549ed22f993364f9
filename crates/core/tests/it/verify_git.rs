//! `verify_reviews` against a real temporary git repository.

use std::path::Path;
use std::process::Command;

use deep_review_core::model::{ItemSource, Location, ParsedReview, ReviewItem, Severity};
use deep_review_core::report::Verification;
use deep_review_core::verify::{verify_reviews, GitTree, SourceTree};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn item(id: &str, location: Location, snippet: &str) -> ReviewItem {
    ReviewItem {
        local_id: id.to_string(),
        source: ItemSource::Finding,
        severity: Severity::Critical,
        severity_stated: true,
        title: id.to_string(),
        locations: vec![location],
        body: String::new(),
        snippets: vec![snippet.to_string()],
        tags: Vec::new(),
        ordinal: 0,
        restates: None,
    }
}

#[test]
fn verifies_against_head_and_an_older_revision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    git(root, &["init", "-q"]);
    std::fs::create_dir_all(root.join("src")).expect("mkdir");
    std::fs::write(
        root.join("src/app.py"),
        "import os\n\ndef handler(event):\n    token = os.environ['TOKEN']\n    return token\n",
    )
    .expect("write");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "first"]);
    let old = git(root, &["rev-parse", "HEAD"]);
    // Head: four lines inserted above the handler, and a new file.
    std::fs::write(root.join("src/app.py"), "import os\nimport sys\n\n# a\n# b\n# c\ndef handler(event):\n    token = os.environ['TOKEN']\n    return token\n").expect("write");
    std::fs::write(root.join("src/new.py"), "print('new')\n").expect("write");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "second"]);

    let reviews = || {
        vec![ParsedReview {
            reviewer: "claude".to_string(),
            pass: 1,
            items: vec![
                item(
                    "C1",
                    Location::lines("src/app.py", 4, 5),
                    "token = os.environ['TOKEN']\nreturn token",
                ),
                item("C2", Location::lines("src/new.py", 1, 1), "print('new')"),
                item("C3", Location::lines("../outside.py", 1, 1), "x"),
            ],
            ..Default::default()
        }]
    };

    let head = GitTree::open(root, "HEAD").expect("head resolves");
    assert_eq!(head.read("src/new.py").as_deref(), Some("print('new')\n"));
    assert_eq!(head.read("/etc/passwd"), None);
    let mut at_head = reviews();
    let out = verify_reviews(&mut at_head, &head);
    let status = |o: &deep_review_core::verify::VerifyOutcome, id: &str| {
        o.status
            .get(&("claude".to_string(), id.to_string()))
            .copied()
    };
    assert_eq!(status(&out, "C1"), Some(Verification::Relocated));
    assert_eq!(
        at_head[0].items[0].locations[0],
        Location::lines("src/app.py", 8, 9)
    );
    assert_eq!(status(&out, "C2"), Some(Verification::Verified));
    assert_eq!(out.dropped.len(), 1);
    assert_eq!(out.dropped[0].local_id, "C3");
    let short = git(root, &["rev-parse", "--short", "HEAD"]);
    assert_eq!(
        out.dropped[0].reason,
        format!("file does not exist at {short}")
    );

    let older = GitTree::open(root, &old).expect("old resolves");
    let mut at_old = reviews();
    let out = verify_reviews(&mut at_old, &older);
    assert_eq!(status(&out, "C1"), Some(Verification::Verified));
    let dropped: Vec<&str> = out.dropped.iter().map(|d| d.local_id.as_str()).collect();
    assert_eq!(dropped, ["C2", "C3"]);
    assert_eq!(at_old[0].items.len(), 1);

    assert!(GitTree::open(root, "no-such-branch").is_err());
}
