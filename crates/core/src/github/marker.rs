//! The hidden marker deep-review leaves in the body of the review it publishes:
//! `<!-- deep-review:{"version":1,"round":2,"head":"<sha>","findings":{"<fingerprint>":"important"}} -->`.
//! A later run finds its earlier review by it (to update that review instead of
//! stacking a new one, and to comment inline only on what is new or re-rated), and
//! counts the pull request's rounds from it when the history store has none.
//! Fingerprints are [`Finding::identity`], the identity the history store and SARIF use.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::Review;
use crate::report::{Finding, Report};

pub(crate) const OPEN: &str = "<!-- deep-review:";
const CLOSE: &str = " -->";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub version: u32,
    pub round: u32,
    /// The head SHA the published review was made on.
    pub head: String,
    /// Each finding's fingerprint and its severity word.
    pub findings: BTreeMap<String, String>,
}

impl Marker {
    pub fn of(report: &Report) -> Marker {
        Marker {
            version: VERSION,
            round: report.target.round,
            head: report.target.head.clone().unwrap_or_default(),
            findings: report
                .findings
                .iter()
                .map(|f| (f.identity(), f.severity.as_str().to_string()))
                .collect(),
        }
    }

    /// The marker as an HTML comment (GitHub renders nothing of it).
    pub fn render(&self) -> String {
        // Fingerprints are hex, severities words, the head a SHA: nothing in the JSON
        // can close the comment.
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string());
        format!("{OPEN}{}{CLOSE}", json.replace("--", "\\u002d\\u002d"))
    }

    /// The marker in a review body, if it has one that reads.
    pub fn parse(body: &str) -> Option<Marker> {
        let start = body.rfind(OPEN)? + OPEN.len();
        let end = start + body[start..].find(CLOSE)?;
        serde_json::from_str(&body[start..end]).ok()
    }

    /// Whether `finding` was published with the same fingerprint and severity.
    pub fn has(&self, finding: &Finding) -> bool {
        self.findings.get(&finding.identity()).map(String::as_str)
            == Some(finding.severity.as_str())
    }
}

/// deep-review's latest published review among `reviews` (oldest first, as listed):
/// the last with a marker, written by `login` when the token's user is known.
pub fn latest<'a>(reviews: &'a [Review], login: Option<&str>) -> Option<(&'a Review, Marker)> {
    reviews
        .iter()
        .rev()
        .filter(|r| login.is_none_or(|login| r.author.eq_ignore_ascii_case(login)))
        .find_map(|r| Marker::parse(&r.body).map(|m| (r, m)))
}

/// The round of a review about to run on a pull request: the history store's round,
/// unless the store knows no earlier review of it (round 1) and an earlier published
/// review says which round it was.
pub fn round(history_round: u32, reviews: &[Review]) -> u32 {
    if history_round > 1 {
        return history_round;
    }
    latest(reviews, None).map_or(history_round, |(_, m)| {
        history_round.max(m.round.saturating_add(1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(author: &str, body: &str) -> Review {
        Review {
            id: 1,
            author: author.to_string(),
            state: "COMMENTED".to_string(),
            body: body.to_string(),
            url: String::new(),
            commit_id: None,
            submitted_at: None,
        }
    }

    #[test]
    fn a_marker_round_trips_inside_a_body_and_names_the_round() {
        let marker = Marker {
            version: VERSION,
            round: 3,
            head: "b".repeat(40),
            findings: BTreeMap::from([("0123abcd".to_string(), "important".to_string())]),
        };
        let body = format!("## Review\n\ntext\n\n{}\n", marker.render());
        assert_eq!(Marker::parse(&body), Some(marker.clone()));
        assert_eq!(Marker::parse("no marker here"), None);
        assert_eq!(Marker::parse("<!-- deep-review:{not json} -->"), None);

        let reviews = vec![
            review("bot", &body),
            review(
                "alice",
                "<!-- deep-review:{\"version\":1,\"round\":9,\"head\":\"\",\"findings\":{}} -->",
            ),
            review("bob", "LGTM"),
        ];
        // The token's user's own review, not a later one by someone else.
        assert_eq!(latest(&reviews, Some("bot")).map(|(_, m)| m.round), Some(3));
        assert_eq!(latest(&reviews, None).map(|(_, m)| m.round), Some(9));
        assert!(latest(&reviews, Some("carol")).is_none());
        // Rounds: the store's when it knows earlier ones, else the marker's next.
        assert_eq!(round(1, &reviews[..1]), 4);
        assert_eq!(round(2, &reviews[..1]), 2);
        assert_eq!(round(1, &reviews[2..]), 1);
    }
}
