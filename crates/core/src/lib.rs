//! deep-review's core: the model and every stage of the pipeline. No terminal, no
//! command-line parsing, no printing: the `deep-review` binary does those.
//!
//! Data flows one way: [`target`] → [`workdir`] → [`reviewers`] → [`parse`] → [`verify`] →
//! [`consolidate`] → [`narrative`] → [`render`]; [`pipeline`] knows the order.

pub mod config;
pub mod consolidate;
pub mod diff;
pub mod model;
pub mod narrative;
pub mod options;
pub mod parse;
pub mod pipeline;
pub mod process;
pub mod prompt;
pub mod render;
pub mod report;
pub mod reviewers;
pub mod secrets;
pub mod target;
pub mod verify;
pub mod workdir;

#[cfg(test)]
mod architecture;
