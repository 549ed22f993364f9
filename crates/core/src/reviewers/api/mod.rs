//! Reviewers reached through a model's HTTP API: what they are given to read
//! ([`context`]) and the tools they may call to look around the checkout ([`tools`]).

pub mod context;
pub mod tools;
