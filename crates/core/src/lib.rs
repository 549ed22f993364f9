//! deep-review's core: the model and every stage of the pipeline. No terminal, no
//! command-line parsing, no printing: the `deep-review` binary does those.
//!
//! Data flows one way: [`target`] → [`workdir`] → [`reviewers`] → [`parse`] → [`verify`] →
//! [`consolidate`] → [`narrative`] → [`render`] → [`history`]; [`pipeline`] knows the order.
//! Underneath them all, the ground floor any stage may use and that uses no stage:
//! [`prose`] (words, durations, code fences), `git` (running git to read a repository)
//! and `lang` (what a file extension says about the file).

pub mod config;
pub mod consolidate;
pub mod consolidator;
pub mod diff;
mod git;
pub mod github;
pub mod history;
mod lang;
pub mod model;
pub mod narrative;
pub mod options;
mod parallel;
pub mod parse;
pub mod pipeline;
pub mod process;
pub mod prompt;
pub mod prose;
pub mod reaper;
pub mod render;
pub mod report;
pub mod review_text;
pub mod reviewers;
pub mod sandbox;
pub mod secrets;
pub mod target;
pub mod verify;
pub mod workdir;

#[cfg(test)]
mod architecture;
