//! Everything the binary writes, except the live progress display: data on standard
//! output through writes that return errors, messages on standard error with coloured
//! `error:` / `warning:` / `hint:` prefixes.
//!
//! Standard output: a broken pipe (`deep-review reviewers | head -1`) means the reader
//! has all it wanted, so it is not an error: nothing more is written and the command
//! ends with the code it would have had (0, or the verdict's for `review` and
//! `consolidate`, whose reports are on disk either way), as ripgrep does. Any other
//! write error (`> /dev/full`) is a runtime failure, exit code 4.
//!
//! Standard error: colour when `--color always`, or `auto` (the default) and standard
//! error is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`. A failed
//! write to standard error is ignored: there is nowhere left to report it.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use crate::exit::{self, Failure};

static COLOR: AtomicBool = AtomicBool::new(false);
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Decides once whether messages on standard error are coloured.
pub fn init_color(choice: clap::ColorChoice) {
    let choice = match choice {
        clap::ColorChoice::Always => anstream::ColorChoice::Always,
        clap::ColorChoice::Never => anstream::ColorChoice::Never,
        clap::ColorChoice::Auto => anstream::ColorChoice::Auto,
    };
    anstream::ColorChoice::write_global(choice);
    let resolved = anstream::AutoStream::choice(&io::stderr());
    COLOR.store(resolved != anstream::ColorChoice::Never, Ordering::Relaxed);
}

/// `--color WHEN` from the raw arguments, before clap parses them (so that clap's own
/// errors and help follow it too). The last one wins, as clap would have it.
pub fn color_from_args<I, S>(args: I) -> clap::ColorChoice
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut choice = clap::ColorChoice::Auto;
    let mut next_is_value = false;
    for arg in args {
        let Some(arg) = arg.as_ref().to_str() else {
            next_is_value = false;
            continue;
        };
        if arg == "--" {
            break;
        }
        let value = if next_is_value {
            Some(arg)
        } else {
            arg.strip_prefix("--color=")
        };
        next_is_value = arg == "--color";
        match value {
            Some("always") => choice = clap::ColorChoice::Always,
            Some("never") => choice = clap::ColorChoice::Never,
            Some("auto") => choice = clap::ColorChoice::Auto,
            _ => {}
        }
    }
    choice
}

/// Writes `bytes` to standard output. See the module documentation for what a broken
/// pipe and other errors mean.
pub fn stdout_bytes(bytes: &[u8]) -> Result<(), Failure> {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            STDOUT_GONE.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(exit::runtime(anyhow::anyhow!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Writes one line to standard output.
pub fn line(text: impl fmt::Display) -> Result<(), Failure> {
    stdout_bytes(format!("{}\n", shown(&text.to_string())).as_bytes())
}

/// Text as it may reach a terminal: every secret the detector knows masked, and
/// control characters (a reviewer's ESC or OSC sequences) made visible, newlines and
/// tabs aside.
fn shown(text: &str) -> String {
    deep_review_core::prose::replace_controls(&deep_review_core::secrets::mask_secrets(text))
}

fn style(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into())).bold()
}

/// `text` with `prefix` (e.g. `error:`) in `prefix_style` on its first line, and every
/// `hint:` line's prefix styled too, when colour is on.
fn render(prefix: Option<(&str, Style)>, text: &str, color: bool) -> String {
    let paint = |word: &str, style: Style| {
        if color {
            format!("{}{word}{}", style.render(), style.render_reset())
        } else {
            word.to_string()
        }
    };
    let mut out = String::new();
    if let Some((word, style)) = prefix {
        out.push_str(&paint(word, style));
        out.push(' ');
    }
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match line.strip_prefix("hint:") {
            Some(rest) => {
                out.push_str(&paint("hint:", style(AnsiColor::Cyan)));
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    out.push('\n');
    out
}

fn stderr(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// The message and its chain of causes, `: `-separated, leaving out a cause the
/// message already quotes (the core's `"cannot write {path}: {source}"` errors).
fn with_causes(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// `error: <message>` on standard error, with its causes.
pub fn error(error: &anyhow::Error) {
    let text = shown(&with_causes(error));
    let prefix = ("error:", style(AnsiColor::Red));
    stderr(&render(Some(prefix), &text, COLOR.load(Ordering::Relaxed)));
}

/// `warning: <message>` on standard error.
pub fn warning(text: &str) {
    let prefix = ("warning:", style(AnsiColor::Yellow));
    stderr(&render(
        Some(prefix),
        &shown(text),
        COLOR.load(Ordering::Relaxed),
    ));
}

/// A message on standard error as it is, `hint:` lines styled.
pub fn note(text: &str) {
    stderr(&render(None, &shown(text), COLOR.load(Ordering::Relaxed)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_is_masked_and_has_no_control_characters() {
        let token = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
        let text = format!("failed: {token}\x1b]0;title\x07\n\tnext");
        assert_eq!(
            shown(&text),
            "failed: ghp_****\u{fffd}]0;title\u{fffd}\n\tnext"
        );
    }

    #[test]
    fn render_styles_prefixes_only_with_colour() {
        let text = "cannot read x\nhint: check the path";
        let prefix = Some(("error:", style(AnsiColor::Red)));
        assert_eq!(
            render(prefix, text, false),
            "error: cannot read x\nhint: check the path\n"
        );
        let coloured = render(prefix, text, true);
        assert!(coloured.starts_with("\x1b["), "{coloured:?}");
        assert!(coloured.contains("cannot read x\n\x1b["), "{coloured:?}");
        assert!(coloured.ends_with("m check the path\n"), "{coloured:?}");
    }

    #[test]
    fn causes_already_in_the_message_are_not_repeated() {
        let io = std::io::Error::from_raw_os_error(20);
        let quoted = anyhow::Error::new(io).context(format!(
            "cannot write x: {}",
            std::io::Error::from_raw_os_error(20)
        ));
        assert_eq!(
            with_causes(&quoted),
            "cannot write x: Not a directory (os error 20)"
        );
        let wrapped = anyhow::anyhow!("disk gone").context("cannot write x");
        assert_eq!(with_causes(&wrapped), "cannot write x: disk gone");
    }

    #[test]
    fn color_flag_is_found_before_parsing() {
        let check = |args: &[&str], expected: clap::ColorChoice| {
            assert_eq!(color_from_args(args), expected, "{args:?}");
        };
        check(&["deep-review", "reviewers"], clap::ColorChoice::Auto);
        check(
            &["deep-review", "--color", "never"],
            clap::ColorChoice::Never,
        );
        check(
            &["deep-review", "x", "--color=always"],
            clap::ColorChoice::Always,
        );
        check(
            &["deep-review", "--color=always", "--color", "never"],
            clap::ColorChoice::Never,
        );
        check(
            &["deep-review", "--", "--color=always"],
            clap::ColorChoice::Auto,
        );
    }
}
