//! Rendering a [`Report`]: `REVIEW.md` (the seed's layout, SPEC section 6),
//! `report.json`, SARIF 2.1.0. Pure functions from values to text.

use crate::report::Report;

/// An original review for the appendix.
#[derive(Debug, Clone)]
pub struct RawReview {
    pub reviewer: String,
    pub display: String,
    pub text: String,
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
    /// `md`, `json`, `sarif`, `html`.
    pub fn parse(word: &str) -> Option<Format> {
        match word.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "html" => Some(Format::Html),
            _ => None,
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

pub fn render_markdown(report: &Report, appendix: &[RawReview]) -> String {
    let _ = (report, appendix);
    unimplemented!("render_markdown")
}

pub fn render_json(report: &Report) -> String {
    let _ = report;
    unimplemented!("render_json")
}

pub fn render_sarif(report: &Report) -> String {
    let _ = report;
    unimplemented!("render_sarif")
}

pub fn render_html(report: &Report, appendix: &[RawReview]) -> String {
    let _ = (report, appendix);
    unimplemented!("render_html")
}
