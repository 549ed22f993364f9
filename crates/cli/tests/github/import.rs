//! `review owner/repo#N --reviewers import,alpha`: the comments three bots and a person
//! left on the pull request become one reviewer each, consolidated with a fresh
//! reviewer's findings.

use std::path::Path;

use fake_github::FakePr;

use super::{as_pull_request, serve, Remote};
use crate::support::{git, write_files, Test};
use crate::{config_with, feature_repo, read, report_json, script, SCRIPT_REVIEW};

#[test]
fn three_bots_comments_are_consolidated_with_a_fresh_reviewers_findings() {
    // The change: `two` in src/lib.rs, and a new src/store.rs of 50 lines.
    let project = feature_repo();
    let store: String = (1..=50).map(|i| format!("// store line {i}\n")).collect();
    write_files(project.path(), &[("src/store.rs", &store)]);
    git(project.path(), &["add", "-A"]);
    git(project.path(), &["commit", "-qm", "add store"]);
    let published = Remote::of(project.path(), true);
    let clone = published.clone_on_main();
    let mut pr = as_pull_request(
        FakePr::sample(2, 0, 0, 0),
        &published.path,
        &published.base,
        &published.head,
    );
    pr.files[0].path = "src/lib.rs".into();
    pr.files[1].path = "src/store.rs".into();
    fake_github::bots::reviewed_by_bots(&mut pr, "src/lib.rs", "src/store.rs");
    let server = serve(pr);

    let bin = tempfile::tempdir().unwrap();
    let db = bin.path().join("history.sqlite3");
    let reviewer = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let config = config_with(bin.path(), &[("alpha", &reviewer)]);
    let run = Test::new()
        .args([
            "review",
            "octo/hello#7",
            "--quiet",
            "--reviewers",
            "import,alpha",
            "--config",
        ])
        .arg(&config)
        .cwd(&clone)
        .env("GITHUB_API_URL", &server.url)
        .env("GITHUB_TOKEN", "ghp_test_token_never_printed_0123456789")
        .env("DEEP_REVIEW_DB", db.display().to_string())
        .run()
        .status(0);
    let review_md = run.last_line().to_string();
    let report = report_json(&review_md);

    // Every author is a reviewer of its own, with its display name and status.
    let reviewers: Vec<String> = report["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} | {} | {} | {}",
                r["name"].as_str().unwrap(),
                r["display"].as_str().unwrap(),
                r["backend"].as_str().unwrap_or("-"),
                r["status"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        reviewers,
        [
            "import-coderabbit | CodeRabbit (imported) | import | ok",
            "import-codex | Codex (imported) | import | ok",
            "import-dave | dave (imported) | import | ok",
            "import-gemini-code-assist | Gemini Code Assist (imported) | import | ok",
            "alpha | alpha | command | ok",
        ],
        "{:#}",
        report["reviewers"]
    );

    // The issue CodeRabbit and alpha both raised is one finding, credited to both.
    let findings = report["findings"].as_array().unwrap();
    let no_test: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["members"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["title"].as_str().unwrap().contains("has no test"))
        })
        .collect();
    assert_eq!(no_test.len(), 1, "{findings:#?}");
    let credited: Vec<&str> = no_test[0]["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        credited.contains(&"alpha") && credited.contains(&"import-coderabbit"),
        "{:#}",
        no_test[0]
    );
    assert_eq!(no_test[0]["severity"], "important");
    // Each bot's own severity badge reached the finding: Codex's P1, Gemini's medium.
    let alone = |who: &str| -> String {
        let f = findings
            .iter()
            .find(|f| f["reviewers"] == serde_json::json!([who]))
            .unwrap_or_else(|| panic!("no finding of {who} alone: {findings:#?}"));
        format!(
            "{} {}",
            f["severity"].as_str().unwrap(),
            f["title"].as_str().unwrap()
        )
    };
    assert_eq!(
        alone("import-codex"),
        "important Keep the access key out of the fixture"
    );
    assert_eq!(
        alone("import-gemini-code-assist"),
        "important The capacity is a bare literal."
    );
    // Every location checks out at the head (a suggestion block is not a quote).
    for f in findings {
        assert_eq!(f["verification"], "verified", "{f:#}");
    }

    // Nothing imported is lost: every imported comment is a member of a finding (or
    // dropped, with its reason), and nothing else was imported — no summary,
    // walkthrough, approval, reply, resolved thread or deep-review's own comment.
    let mut imported: Vec<String> = findings
        .iter()
        .flat_map(|f| f["members"].as_array().unwrap())
        .chain(report["dropped"].as_array().unwrap())
        .filter(|m| {
            m["reviewer"]
                .as_str()
                .is_some_and(|r| r.starts_with("import-"))
        })
        .map(|m| {
            format!(
                "{}: {}",
                m["reviewer"].as_str().unwrap(),
                m["title"].as_str().unwrap()
            )
        })
        .collect();
    imported.sort();
    assert_eq!(
        imported,
        [
            "import-coderabbit: Document what `one` is for.",
            "import-coderabbit: `two` has no test.",
            "import-codex: Keep the access key out of the fixture",
            "import-dave: Why does `one` return `u32` when the API hands out `u64` everywhere else?",
            "import-gemini-code-assist: The capacity is a bare literal.",
        ],
        "{findings:#?}"
    );

    // The retro lists the imported reviewers, each with its paragraph.
    let md = read(&review_md);
    let retro = md
        .split("## Agent Performance Retro")
        .nth(1)
        .and_then(|rest| rest.split("## Review Process Notes").next())
        .unwrap_or_else(|| panic!("no retro in REVIEW.md:\n{md}"));
    for display in [
        "CodeRabbit (imported)",
        "Gemini Code Assist (imported)",
        "Codex (imported)",
        "dave (imported)",
    ] {
        assert!(
            retro.contains(&format!("### [{display}]\n\nRaised 1 finding"))
                || retro.contains(&format!("### [{display}]\n\nRaised 2 findings")),
            "{display} is not in the retro:\n{retro}"
        );
    }
    for reviewer in report["reviewers"].as_array().unwrap() {
        assert!(
            !reviewer["retro"].as_str().unwrap_or("").is_empty(),
            "{reviewer:#}"
        );
    }

    // An open thread the import made a finding of is listed in Unresolved Feedback by
    // the finding it became, not repeated.
    let feedback = md
        .split("## Unresolved Feedback")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_else(|| panic!("no Unresolved Feedback in REVIEW.md:\n{md}"));
    assert!(feedback.contains("in the findings as "), "{feedback}");

    // Each author's review and run record are in the work directory, the boilerplate
    // gone; the key the Codex comment quoted is masked in what the import and the
    // report wrote (the PR's own text in `pull-request.json` and the prompt is the
    // change's data, like `diff.patch`).
    let workdir = Path::new(&review_md).parent().unwrap();
    let rabbit = read(workdir.join("review-import-coderabbit-pass-1.md"));
    assert!(
        rabbit.contains("1 resolved thread not imported"),
        "{rabbit}"
    );
    for gone in ["Prompt for AI Agents", "fingerprinting", "Walkthrough"] {
        assert!(!rabbit.contains(gone), "{gone} in {rabbit}");
    }
    assert!(workdir.join("run-import-coderabbit.json").is_file());
    assert!(!workdir.join("run-import.json").exists());
    let codex = read(workdir.join("review-import-codex-pass-1.md"));
    assert!(codex.contains("AKIA****"), "{codex}");
    for entry in std::fs::read_dir(workdir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.contains("-import-") || name == "REVIEW.md" || name == "report.json") {
            continue;
        }
        let text = read(entry.path());
        assert!(
            !text.contains(fake_github::bots::QUOTED_KEY),
            "the key is in {name}"
        );
    }
}

#[test]
fn import_without_a_pull_request_is_skipped_and_says_why() {
    let project = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let reviewer = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let config = config_with(bin.path(), &[("alpha", &reviewer)]);
    let run = Test::new()
        .args([
            "review",
            "--quiet",
            "--reviewers",
            "import,alpha",
            "--config",
        ])
        .arg(&config)
        .cwd(project.path())
        .env(
            "DEEP_REVIEW_DB",
            bin.path().join("history.sqlite3").display().to_string(),
        )
        .run()
        .status(0);
    let report = report_json(run.last_line());
    let import = report["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "import")
        .cloned()
        .expect("the import reviewer is listed");
    assert_eq!(import["status"], "skipped", "{import:#}");
    assert!(
        import["error"]
            .as_str()
            .unwrap()
            .starts_with("not ready: needs a pull request target"),
        "{import:#}"
    );
}
