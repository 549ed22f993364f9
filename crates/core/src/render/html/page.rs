//! The page shell every HTML page shares: the document around a body, its stylesheet
//! (`page.css`), its Content-Security-Policy, and escaping.

use sha2::{Digest, Sha256};

use crate::prose::base64;

/// The stylesheet of every page (inline: the page loads nothing).
const STYLE: &str = include_str!("page.css");

/// A complete HTML document around `body` (already HTML): the shared stylesheet, and
/// `script` (trusted, written by us) as the only script the page's CSP lets run.
pub(crate) fn page(title: &str, body: &str, script: &str) -> String {
    let script_hash = base64(&Sha256::digest(script.as_bytes()));
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; \
         img-src data:; base-uri 'none'; form-action 'none'"
    );
    let script = if script.is_empty() {
        String::new()
    } else {
        format!("<script>{script}</script>\n")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n{script}</body>\n</html>\n",
        escape(title)
    )
}

/// `text` safe as HTML text and as a double- or single-quoted attribute value, its
/// secrets masked first (escaped, `api_key = &quot;…&quot;` would no longer read as an
/// assignment); control characters other than newline and tab become U+FFFD.
pub(crate) fn escape(text: &str) -> String {
    let text = crate::secrets::mask_secrets(text);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn section(id: &str, title: &str, inner: &str) -> String {
    format!("<section id=\"{id}\">\n<h2>{title}</h2>\n{inner}</section>\n")
}

/// A folded block: `summary` is HTML we wrote, `inner` HTML.
pub(super) fn details(summary: &str, inner: &str) -> String {
    format!("<details>\n<summary>{summary}</summary>\n<div class=\"fold\">\n{inner}</div>\n</details>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_attribute_quotes_and_controls() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\u{1b}[31m\n"),
            "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;\u{FFFD}[31m\n"
        );
    }

    #[test]
    fn the_csp_allows_exactly_the_page_script() {
        let html = page("t", "", "x();");
        let hash = base64(&Sha256::digest(b"x();"));
        assert!(html.contains(&format!("script-src 'sha256-{hash}'")));
        assert_eq!(base64(b"abcd"), "YWJjZA==");
        assert_eq!(base64(b"abcde"), "YWJjZGU=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
