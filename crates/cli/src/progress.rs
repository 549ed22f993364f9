//! Live progress on standard error: one line per reviewer on a terminal (state, elapsed
//! time, tool calls so far), plain log lines otherwise, nothing with `--quiet`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use deep_review_core::model::RunStatus;
use deep_review_core::prose::duration_clock;
use deep_review_core::reviewers::ProgressEvent;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    mode: Mode,
    started: HashMap<String, Instant>,
    tool_calls: HashMap<String, u64>,
}

enum Mode {
    Quiet,
    Plain,
    Bars {
        _multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
        /// Without the spinner and the ticking elapsed time, for finished lines.
        done_style: ProgressStyle,
    },
}

impl Progress {
    /// `reviewers`: names in panel order.
    pub fn new(quiet: bool, reviewers: &[String]) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal()
            && std::env::var_os("TERM").is_some_and(|t| t != "dumb")
        {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let width = reviewers.iter().map(String::len).max().unwrap_or(8);
            let style = ProgressStyle::with_template(&format!(
                "{{spinner}} {{prefix:<{width}}}  {{msg}} · {{elapsed}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let done_style =
                ProgressStyle::with_template(&format!("  {{prefix:<{width}}}  {{msg}}"))
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let bars = reviewers
                .iter()
                .map(|name| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(style.clone());
                    bar.set_prefix(name.clone());
                    bar.set_message("waiting");
                    bar.enable_steady_tick(Duration::from_millis(200));
                    (name.clone(), bar)
                })
                .collect();
            Mode::Bars {
                _multi: multi,
                bars,
                done_style,
            }
        } else {
            Mode::Plain
        };
        Progress {
            mode,
            started: HashMap::new(),
            tool_calls: HashMap::new(),
        }
    }

    pub fn handle(&mut self, event: ProgressEvent) {
        match event {
            ProgressEvent::Started { reviewer } => {
                self.started.insert(reviewer.clone(), Instant::now());
                self.show(&reviewer, "running".to_string(), false);
            }
            ProgressEvent::ToolCall { reviewer, tool } => {
                let n = self.tool_calls.entry(reviewer.clone()).or_default();
                *n += 1;
                let line = format!("running · {n} tool calls (last: {tool})");
                // Plain logs would be too chatty with one line per tool call.
                if matches!(self.mode, Mode::Bars { .. }) {
                    self.show(&reviewer, line, false);
                }
            }
            ProgressEvent::Finished { reviewer, record } => {
                let elapsed = record
                    .duration_ms
                    .map(Duration::from_millis)
                    .or_else(|| self.started.get(&reviewer).map(Instant::elapsed))
                    .map(duration_clock)
                    .unwrap_or_default();
                let calls = record.total_tool_calls();
                let line = match record.status {
                    RunStatus::Ok if calls > 0 => format!("done in {elapsed} · {calls} tool calls"),
                    RunStatus::Ok => format!("done in {elapsed}"),
                    status => format!(
                        "{} after {elapsed}: {}",
                        status.as_str().replace('_', " "),
                        record.error.as_deref().unwrap_or("no details")
                    ),
                };
                self.show(&reviewer, line, true);
            }
        }
    }

    fn show(&self, reviewer: &str, line: String, done: bool) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Plain => crate::output::note(&format!("{reviewer}: {line}")),
            Mode::Bars {
                bars, done_style, ..
            } => {
                if let Some(bar) = bars.get(reviewer) {
                    if done {
                        bar.set_style(done_style.clone());
                        bar.finish_with_message(line);
                    } else {
                        bar.set_message(line);
                    }
                }
            }
        }
    }

    /// Stops every line still ticking (on interruption).
    pub fn finish(&self) {
        if let Mode::Bars {
            bars, done_style, ..
        } = &self.mode
        {
            for bar in bars.values().filter(|b| !b.is_finished()) {
                bar.set_style(done_style.clone());
                bar.abandon_with_message("interrupted");
            }
        }
    }
}
