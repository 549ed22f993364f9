use super::*;
use crate::model::Location;

fn item(
    id: &str,
    severity: Severity,
    title: &str,
    body: &str,
    loc: Option<Location>,
) -> ReviewItem {
    ReviewItem {
        local_id: id.to_string(),
        source: ItemSource::Finding,
        severity,
        severity_stated: true,
        title: title.to_string(),
        locations: loc.into_iter().collect(),
        body: body.to_string(),
        snippets: Vec::new(),
        tags: Vec::new(),
        ordinal: 0,
        restates: None,
    }
}

fn review(name: &str, items: Vec<ReviewItem>) -> ParsedReview {
    ParsedReview {
        reviewer: name.to_string(),
        pass: 1,
        summary: Some("Adds a limiter.".into()),
        items,
        ..ParsedReview::default()
    }
}

/// Reconciles the group made of `(review index, item index)` pairs of `reviews`.
fn run(
    reviews: &[ParsedReview],
    group: &[(usize, usize)],
    policy: SeverityPolicy,
    coverage: &Coverage,
) -> Outcome {
    let panel = Panel::new(reviews, coverage);
    let members: Vec<(usize, &ReviewItem)> = group
        .iter()
        .map(|&(r, i)| (r, &reviews[r].items[i]))
        .collect();
    reconcile(&members, policy, &panel)
}

fn at(path: &str, line: u32) -> Option<Location> {
    Some(Location::lines(path, line, line))
}

#[test]
fn cosmetic_findings_are_capped_at_suggestion() {
    let reviews = vec![
        review(
            "claude",
            vec![item(
                "I2",
                Severity::Important,
                "Typo in doc comment: \"recieve\"",
                "Should read receive.",
                at("a.go", 12),
            )],
        ),
        review(
            "codex",
            vec![item(
                "1",
                Severity::Critical,
                "Misspelled type `SearchResutl`",
                "",
                at("a.go", 12),
            )],
        ),
    ];
    let out = run(
        &reviews,
        &[(0, 0), (1, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Suggestion);
    assert_eq!(out.reason.as_deref(), Some("typo; cosmetic"));
    assert_eq!(out.rule, Rule::Cosmetic);
    // The plain vote does not apply the cap.
    let vote = run(
        &reviews,
        &[(0, 0), (1, 0)],
        SeverityPolicy::Majority,
        &Coverage::default(),
    );
    assert_eq!(vote.severity, Severity::Critical);
}

#[test]
fn cosmetic_classes_are_read_from_titles() {
    assert_eq!(
        cosmetic_title("Variable name `tkn` is unclear"),
        Some("naming")
    );
    assert_eq!(cosmetic_title("Poor method naming"), Some("naming"));
    assert_eq!(
        cosmetic_title("Comment says \"enviroment\""),
        Some("comment only")
    );
    assert_eq!(
        cosmetic_title("Spelling: \"preveiw\" in the job name"),
        Some("spelling")
    );
    assert_eq!(
        cosmetic_title("Trailing whitespace in the template"),
        Some("formatting")
    );
    assert_eq!(
        cosmetic_title("Awkward wording in the error message"),
        Some("wording")
    );
    // Not cosmetic: the subject is behaviour, or a missing comment.
    assert_eq!(
        cosmetic_title("Refill writes `b.tokens` outside the mutex"),
        None
    );
    assert_eq!(cosmetic_title("Wrong name passed to `open`"), None);
    assert_eq!(cosmetic_title("Missing doc comment on `Take`"), None);
    assert_eq!(
        cosmetic_title("Commented-out check disables validation"),
        None
    );
    assert_eq!(
        cosmetic_title("Comment claims thread safety but no lock is taken"),
        None
    );
    assert_eq!(
        cosmetic_title("Stale doc comment on `Take`"),
        Some("comment only")
    );
}

#[test]
fn a_typo_that_changes_behaviour_is_not_cosmetic() {
    let reviews = vec![review(
        "claude",
        vec![item(
            "I1",
            Severity::Important,
            "Typo in the config key `retires`",
            "The key is never read, so retries stay at the default.",
            at("config.rs", 3),
        )],
    )];
    let out = run(
        &reviews,
        &[(0, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Important);
    assert_eq!(out.reason, None);
}

#[test]
fn pre_existing_issues_do_not_block() {
    let body = "Any XSS can read them. This predates the PR but the PR touches the line.";
    let reviews = vec![
        review(
            "coderabbit",
            vec![item(
                "1",
                Severity::Important,
                "Tokens are stored in `localStorage`",
                body,
                at("storage.ts", 12),
            )],
        ),
        review(
            "claude",
            vec![item(
                "C1",
                Severity::Critical,
                "SQL built by string concatenation",
                "Pre-existing: not introduced by this change.",
                at("db.go", 5),
            )],
        ),
    ];
    let out = run(
        &reviews,
        &[(0, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Suggestion);
    assert_eq!(
        out.reason.as_deref(),
        Some("pre-existing — not introduced by this change")
    );
    // A pre-existing critical does not block this change either: "merge with fixes"
    // would make it block.
    let out = run(
        &reviews,
        &[(1, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Suggestion);
    assert_eq!(out.rule, Rule::PreExisting);
}

#[test]
fn pre_existing_is_read_from_tags_and_not_from_its_negation() {
    let mut tagged = item("1", Severity::Critical, "Unchecked index", "", None);
    tagged.tags.push("pre-existing".into());
    assert!(pre_existing(&tagged));
    let denied = item(
        "2",
        Severity::Critical,
        "Race",
        "This is not pre-existing: the lock was removed here.",
        None,
    );
    assert!(!pre_existing(&denied));
    let main = item(
        "3",
        Severity::Critical,
        "Leak",
        "The same leak is already on main.",
        None,
    );
    assert!(pre_existing(&main));
    let emphasised = item(
        "4",
        Severity::Critical,
        "Leak",
        "This was *not introduced* by this\nchange.",
        None,
    );
    assert!(pre_existing(&emphasised));
}

#[test]
fn a_lone_critical_the_others_reviewed_is_lowered() {
    let reviews = vec![
        review(
            "claude",
            vec![item(
                "I2",
                Severity::Important,
                "Keyed by RemoteAddr",
                "",
                at("internal/http/limit.go", 22),
            )],
        ),
        review(
            "codex",
            vec![item(
                "1",
                Severity::Important,
                "Wrap in Take",
                "",
                at("internal/ratelimit/bucket.go", 58),
            )],
        ),
        review(
            "gemini",
            vec![item(
                "C2",
                Severity::Critical,
                "Client map grows without bound",
                "Buckets are never evicted.",
                at("internal/http/limit.go", 15),
            )],
        ),
    ];
    // codex read limit.go according to its run record.
    let mut coverage = Coverage::default();
    coverage.files_read.insert(
        "codex".into(),
        vec!["/tmp/checkout/internal/http/limit.go".into()],
    );
    let out = run(&reviews, &[(2, 0)], SeverityPolicy::Evidence, &coverage);
    assert_eq!(out.severity, Severity::Important);
    assert_eq!(
        out.reason.as_deref(),
        Some("raised by one of 3 reviewers; the others reviewed `limit.go` and did not flag it")
    );
    assert_eq!(out.rule, Rule::Uncorroborated);

    // codex's record lists other files only: it did not look at limit.go, so the
    // critical stands.
    coverage
        .files_read
        .insert("codex".into(), vec!["internal/ratelimit/bucket.go".into()]);
    let out = run(&reviews, &[(2, 0)], SeverityPolicy::Evidence, &coverage);
    assert_eq!(out.severity, Severity::Critical);
    assert_eq!(out.reason, None);

    // No record: the file being in the change is enough.
    let coverage = Coverage {
        changed_files: vec![
            "internal/http/limit.go".into(),
            "internal/ratelimit/bucket.go".into(),
        ],
        ..Coverage::default()
    };
    let out = run(&reviews, &[(2, 0)], SeverityPolicy::Evidence, &coverage);
    assert_eq!(out.severity, Severity::Important);
    // The majority policy keeps it.
    let out = run(&reviews, &[(2, 0)], SeverityPolicy::Majority, &coverage);
    assert_eq!(out.severity, Severity::Critical);
}

#[test]
fn a_lone_critical_needs_another_usable_review() {
    let reviews = vec![
        review(
            "claude",
            vec![item(
                "C1",
                Severity::Critical,
                "Use after free",
                "",
                at("a.c", 3),
            )],
        ),
        ParsedReview {
            reviewer: "codex".into(),
            ..ParsedReview::default()
        },
    ];
    let out = run(
        &reviews,
        &[(0, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Critical);
}

#[test]
fn a_lone_critical_with_a_concrete_exploit_is_kept_and_flagged() {
    let body = "`get_object_or_404(Order, pk=pk)` has no owner filter, so any authenticated user can edit another customer's note.";
    let reviews = vec![
        review(
            "claude",
            vec![item(
                "C1",
                Severity::Critical,
                "Notes are not permission-checked",
                body,
                at("orders/views.py", 60),
            )],
        ),
        review(
            "coderabbit",
            vec![item(
                "1",
                Severity::Important,
                "N+1 queries",
                "",
                at("orders/views.py", 20),
            )],
        ),
    ];
    let out = run(
        &reviews,
        &[(0, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Critical);
    assert_eq!(out.rule, Rule::Exploit);
    assert_eq!(
        out.reason.as_deref(),
        Some("raised by one of 2 reviewers; coderabbit reviewed `views.py` and did not flag it, but claude describes a concrete exploit")
    );
}

#[test]
fn another_reviewers_critical_nearby_corroborates() {
    let reviews = vec![
        review(
            "claude",
            vec![item(
                "C1",
                Severity::Critical,
                "`take()` is not thread-safe",
                "",
                at("bucket.py", 18),
            )],
        ),
        review(
            "gemini",
            vec![item(
                "C1",
                Severity::Critical,
                "Race condition on `level`",
                "",
                at("bucket.py", 16),
            )],
        ),
    ];
    let out = run(
        &reviews,
        &[(0, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Critical);
}

#[test]
fn even_splits_go_to_the_lower_level_unless_the_higher_is_argued() {
    let reviews = vec![
        review("gemini", vec![
            item("1", Severity::Critical, "Conflict target should include `source`", "`event_id` is only unique per source.", at("load.py", 52)),
            item("2", Severity::Critical, "Output length trusted", "", at("dec.rs", 64)),
        ]),
        review("claude", vec![
            item("I1", Severity::Important, "Upsert key ignores `source`", "The conflict target is `(event_id)` only; two sources can emit the same id, and the second is silently discarded.", at("load.py", 52)),
            item("I2", Severity::Important, "Output length trusted", "", at("dec.rs", 64)),
        ]),
    ];
    // claude argues the lower rating: it stands.
    let out = run(
        &reviews,
        &[(0, 0), (1, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Important);
    assert_eq!(
        out.reason.as_deref(),
        Some("split between critical (gemini) and important (claude); important, as claude explains what goes wrong in more detail")
    );
    // Nobody argues: the lower.
    let out = run(
        &reviews,
        &[(0, 1), (1, 1)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Important);
    assert_eq!(
        out.reason.as_deref(),
        Some("split between critical (gemini) and important (claude); important, the level both sides agree it reaches")
    );
    assert_eq!(out.rule, Rule::Tie);
    // The majority policy goes up, and says it is the policy.
    let out = run(
        &reviews,
        &[(0, 1), (1, 1)],
        SeverityPolicy::Majority,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Critical);
    assert!(out.reason.as_deref().is_some_and(
        |r| r.ends_with("the majority policy takes the higher rating on an even split")
    ));
}

#[test]
fn an_argued_higher_rating_wins_a_tie() {
    let reviews = vec![
        review("claude", vec![item("C2", Severity::Critical, "Output buffer length trusted from C", "`out.set_len(output.pos)` runs without checking `output.pos <= out.capacity()`; a corrupted frame can make the library report more than it wrote.", at("dec.rs", 61))]),
        review("codex", vec![item("2", Severity::Important, "`set_len` without a bound check", "", at("dec.rs", 64))]),
    ];
    let out = run(
        &reviews,
        &[(0, 0), (1, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Critical);
}

#[test]
fn critical_against_suggestion_meets_in_the_middle() {
    let reviews = vec![
        review(
            "gemini",
            vec![item(
                "1",
                Severity::Critical,
                "Trust policy too broad",
                "",
                at("iam.tf", 12),
            )],
        ),
        review(
            "codex",
            vec![item(
                "3",
                Severity::Suggestion,
                "Subject wildcard",
                "",
                at("iam.tf", 12),
            )],
        ),
    ];
    let out = run(
        &reviews,
        &[(0, 0), (1, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Important);
    assert!(out
        .reason
        .as_deref()
        .is_some_and(|r| r.ends_with("important, the middle rating")));
}

#[test]
fn a_majority_is_said_in_words() {
    let reviews = vec![
        review(
            "claude",
            vec![item("C1", Severity::Critical, "Race", "", at("a.go", 1))],
        ),
        review(
            "codex",
            vec![item("1", Severity::Important, "Race", "", at("a.go", 1))],
        ),
        review(
            "gemini",
            vec![item("1", Severity::Critical, "Race", "", at("a.go", 1))],
        ),
    ];
    let out = run(
        &reviews,
        &[(0, 0), (1, 0), (2, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Critical);
    assert_eq!(
        out.reason.as_deref(),
        Some("rated critical by claude and gemini, important by codex")
    );
    let low = run(
        &reviews,
        &[(0, 0), (1, 0), (2, 0)],
        SeverityPolicy::Lowest,
        &Coverage::default(),
    );
    assert_eq!(low.severity, Severity::Important);
    assert!(low
        .reason
        .as_deref()
        .is_some_and(|r| r.ends_with("the policy takes the lowest rating")));
}

#[test]
fn a_reviewer_calling_its_item_harmless_makes_it_a_suggestion() {
    let reviews = vec![review(
        "claude",
        vec![item(
            "I1",
            Severity::Important,
            "`Drop` ignores the error",
            "Fine in practice; log in debug builds.",
            at("dec.rs", 90),
        )],
    )];
    let out = run(
        &reviews,
        &[(0, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Suggestion);
    assert_eq!(
        out.reason.as_deref(),
        Some("minor by the reviewer's own account (“fine in practice”)")
    );
}

#[test]
fn an_important_security_hole_with_a_concrete_exploit_is_critical() {
    let reviews = vec![
        review("codex", vec![
            item("3", Severity::Important, "Controller lacks tenant check on the cursor", "The cursor query does not filter by `tenant_id`, so paging returns other tenants\u{2019} invoices.", at("InvoiceController.java", 38)),
            item("4", Severity::Important, "Token logged at debug level", "The refresh token is written to the debug log.", at("auth.ts", 3)),
        ]),
        review("claude", vec![item("I1", Severity::Important, "N+1 queries", "", at("InvoiceController.java", 20))]),
    ];
    let out = run(
        &reviews,
        &[(0, 0)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Critical);
    assert_eq!(out.rule, Rule::Exploit);
    assert_eq!(
        out.reason.as_deref(),
        Some("a security hole with a concrete exploit: codex shows who can abuse it")
    );
    // A secret in a log, with nobody shown abusing it, stays important.
    let out = run(
        &reviews,
        &[(0, 1)],
        SeverityPolicy::Evidence,
        &Coverage::default(),
    );
    assert_eq!(out.severity, Severity::Important);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "typo",
            "naming",
            "comment",
            "but",
            "pre-existing",
            "not pre-existing",
            "attacker",
            "secret",
            "another user\u{2019}s",
            "fine in practice",
            "\u{212a}",
            "İ",
            "```",
            "\n",
            " ",
            "`",
            "é",
            "🦀",
            "",
        ]);
        prop::collection::vec(piece, 0..20).prop_map(|p| p.concat())
    }

    fn severity() -> impl Strategy<Value = Severity> {
        prop::sample::select(Severity::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any text, any ratings: a severity and, when it differs from a member's, a
        /// reason; cosmetic and pre-existing findings never end critical.
        #[test]
        fn reconciliation_is_total(
            t1 in hostile(), b1 in hostile(), s1 in severity(),
            t2 in hostile(), b2 in hostile(), s2 in severity(),
        ) {
            let reviews = vec![
                review("a", vec![item("1", s1, &t1, &b1, at("x.go", 3))]),
                review("b", vec![item("1", s2, &t2, &b2, at("x.go", 4))]),
            ];
            for policy in SeverityPolicy::ALL {
                let out = run(&reviews, &[(0, 0), (1, 0)], policy, &Coverage::default());
                if s1 != s2 {
                    prop_assert!(out.reason.is_some(), "{policy} {out:?}");
                }
                let lone = run(&reviews, &[(0, 0)], policy, &Coverage::default());
                if policy == SeverityPolicy::Evidence
                    && (pre_existing(&reviews[0].items[0]) || lone.rule == Rule::Cosmetic)
                {
                    prop_assert!(lone.severity != Severity::Critical, "{lone:?}");
                }
            }
        }
    }
}
