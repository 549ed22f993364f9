//! The core's integration tests, one binary (each module was its own test binary once;
//! one link instead of eleven keeps the suite lean on two cores). Run one group with a
//! filter: `cargo test -p deep-review-core --test it run_command`.

mod common;
mod support;

mod browser;
mod consolidate_fixtures;
mod consolidate_props;
mod consolidate_same;
mod consolidator;
mod corpus;
mod github;
mod history;
mod parse_fixtures;
mod parse_seed;
mod publish;
mod real_clis;
mod run_agents;
mod run_api;
mod run_command;
mod run_env;
mod run_panel;
mod run_process;
mod run_sandbox;
mod verify_git;
