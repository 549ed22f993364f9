//! The one place that knows the order of the stages:
//! target → work directory → reviewers → parse → verify → consolidate → report → render.
