//! Live progress on standard error: one line per reviewer on a terminal (its current
//! step, tool calls so far, elapsed time), plain log lines otherwise — one per step
//! change, no spinner — and nothing with `--quiet`. `--verbose` adds the commands run.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use deep_review_core::model::RunStatus;
use deep_review_core::prose::duration_clock;
use deep_review_core::reviewers::ProgressEvent;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    mode: Mode,
    verbose: bool,
    started: HashMap<String, Instant>,
    tool_calls: HashMap<String, u64>,
    /// Each reviewer's current step (`clippy (compiling dependencies)`).
    steps: HashMap<String, String>,
}

/// In plain logs a tool-call count is printed at the first call and every this many.
const PLAIN_TOOL_CALL_EVERY: u64 = 10;

enum Mode {
    Quiet,
    Plain,
    Bars {
        multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
        /// Without the spinner and the ticking elapsed time, for finished lines.
        done_style: ProgressStyle,
    },
}

impl Progress {
    /// `reviewers`: names in panel order.
    pub fn new(quiet: bool, verbose: bool, reviewers: &[String]) -> Self {
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
                multi,
                bars,
                done_style,
            }
        } else {
            Mode::Plain
        };
        Progress {
            mode,
            verbose,
            started: HashMap::new(),
            tool_calls: HashMap::new(),
            steps: HashMap::new(),
        }
    }

    pub fn handle(&mut self, event: ProgressEvent) {
        match event {
            ProgressEvent::Started { reviewer } => {
                self.started.insert(reviewer.clone(), Instant::now());
                self.steps.insert(reviewer.clone(), "running".to_string());
                self.show(&reviewer, "running".to_string(), false);
            }
            ProgressEvent::ToolCall { reviewer, tool } => {
                let n = self.tool_calls.entry(reviewer.clone()).or_default();
                *n += 1;
                let n = *n;
                match self.mode {
                    Mode::Bars { .. } => {
                        let line = format!("{} (last: {tool})", self.current(&reviewer));
                        self.show(&reviewer, line, false);
                    }
                    // One line per call would flood a CI log: the first, then every tenth.
                    _ if n == 1 || n % PLAIN_TOOL_CALL_EVERY == 0 => {
                        self.show(&reviewer, tool_calls(n), false);
                    }
                    _ => {}
                }
            }
            ProgressEvent::Step { reviewer, step } => {
                let step = deep_review_core::prose::replace_controls(&step);
                if self.steps.get(&reviewer) == Some(&step) {
                    return;
                }
                self.steps.insert(reviewer.clone(), step);
                let line = self.current(&reviewer);
                self.show(&reviewer, line, false);
            }
            ProgressEvent::Command { reviewer, command } => {
                if self.verbose {
                    let line = deep_review_core::prose::replace_controls(&command);
                    self.print(&format!("{reviewer}: $ {line}"));
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
                    RunStatus::Ok if calls > 0 => {
                        format!("done in {elapsed} · {}", tool_calls(calls))
                    }
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

    /// The reviewer's step with its tool calls so far (`reviewing · 12 tool calls`).
    fn current(&self, reviewer: &str) -> String {
        let step = self
            .steps
            .get(reviewer)
            .map(String::as_str)
            .unwrap_or("running");
        match self.tool_calls.get(reviewer) {
            Some(&n) if n > 0 => format!("{step} · {}", tool_calls(n)),
            _ => step.to_string(),
        }
    }

    /// A line of its own, above the reviewers' lines on a terminal.
    fn print(&self, line: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Plain => crate::output::note(line),
            Mode::Bars { multi, .. } => {
                let _ = multi.println(line);
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

fn tool_calls(n: u64) -> String {
    deep_review_core::prose::plural(n as usize, "tool call", "tool calls")
}
