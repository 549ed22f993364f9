//! Option words shared by configuration, the command line and the stages that act on
//! them: the output [`Format`]s and the [`SeverityPolicy`]. Each is read from one word
//! (`FromStr`), written as that word (`Display`), and lists its values in `ALL`, so the
//! configuration file, `--help` and error messages all name the same words.
//!
//! This module imports no stage: configuration can name these without depending on
//! `consolidate` or `render`.

use std::fmt;
use std::str::FromStr;

/// A word that is none of an option's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{word}` is not one of {}", .expected.join(", "))]
pub struct UnknownWord {
    /// The word as given.
    pub word: String,
    /// The option's values, in their usual order.
    pub expected: Vec<&'static str>,
}

/// Reads `word` (trimmed, any case) as one of `all` (named by `name`) or one of
/// `aliases`.
pub(crate) fn parse_word<T: Copy>(
    word: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    aliases: &[(&str, T)],
) -> Result<T, UnknownWord> {
    let lower = word.trim().to_ascii_lowercase();
    all.iter()
        .copied()
        .find(|v| name(*v) == lower)
        .or_else(|| aliases.iter().find(|(a, _)| *a == lower).map(|(_, v)| *v))
        .ok_or_else(|| UnknownWord {
            word: word.to_string(),
            expected: all.iter().map(|v| name(*v)).collect(),
        })
}

/// How a group's severity is decided from its members'.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SeverityPolicy {
    /// The members' vote, then the evidence rules: cosmetic findings are suggestions,
    /// pre-existing issues do not block, a lone critical the other reviewers did not
    /// raise is lowered (rules in `consolidate::severity`).
    #[default]
    Evidence,
    /// The severity most members gave; ties go to the higher one.
    Majority,
    /// The highest severity any member gave.
    Highest,
    /// The lowest severity any member gave.
    Lowest,
}

impl SeverityPolicy {
    pub const ALL: [SeverityPolicy; 4] = [
        SeverityPolicy::Evidence,
        SeverityPolicy::Majority,
        SeverityPolicy::Highest,
        SeverityPolicy::Lowest,
    ];

    /// `evidence`, `majority`, `highest`, `lowest`.
    pub fn as_str(self) -> &'static str {
        match self {
            SeverityPolicy::Evidence => "evidence",
            SeverityPolicy::Majority => "majority",
            SeverityPolicy::Highest => "highest",
            SeverityPolicy::Lowest => "lowest",
        }
    }
}

impl FromStr for SeverityPolicy {
    type Err = UnknownWord;

    fn from_str(word: &str) -> Result<Self, UnknownWord> {
        parse_word(word, &SeverityPolicy::ALL, SeverityPolicy::as_str, &[])
    }
}

impl fmt::Display for SeverityPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Output formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Markdown,
    Json,
    Sarif,
    Html,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Markdown, Format::Json, Format::Sarif, Format::Html];

    /// The `--format` word: `md`, `json`, `sarif`, `html` (`markdown` is read too).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Html => "html",
        }
    }

    /// File name written in the work directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Markdown => "REVIEW.md",
            Format::Json => "report.json",
            Format::Sarif => "report.sarif",
            Format::Html => "REVIEW.html",
        }
    }
}

impl FromStr for Format {
    type Err = UnknownWord;

    fn from_str(word: &str) -> Result<Self, UnknownWord> {
        parse_word(
            word,
            &Format::ALL,
            Format::as_str,
            &[("markdown", Format::Markdown)],
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for p in SeverityPolicy::ALL {
            assert_eq!(p.to_string().parse(), Ok(p));
        }
        for f in Format::ALL {
            assert_eq!(f.to_string().parse(), Ok(f));
        }
        assert_eq!("HTML".parse::<Format>(), Ok(Format::Html));
        assert_eq!(" markdown ".parse::<Format>(), Ok(Format::Markdown));
        assert_eq!(" Highest".parse(), Ok(SeverityPolicy::Highest));
    }

    #[test]
    fn unknown_words_list_the_values() {
        assert_eq!(
            "loudest"
                .parse::<SeverityPolicy>()
                .map_err(|e| e.to_string()),
            Err("`loudest` is not one of evidence, majority, highest, lowest".to_string())
        );
        let err = "pdf".parse::<Format>().unwrap_err();
        assert_eq!(err.word, "pdf");
        assert_eq!(err.expected, ["md", "json", "sarif", "html"]);
    }
}
