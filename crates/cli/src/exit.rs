//! The exit policy: the one place that decides the process's exit code (SPEC section 3)
//! from what a command did — a verdict, a signal — or from the kind of error that
//! stopped it.
//!
//! | code  | meaning |
//! | ----- | ------- |
//! | 0     | success (the verdict is within `--fail-on`) |
//! | 1     | a finding at or above `--fail-on` |
//! | 2     | usage or configuration error: the user's input is wrong |
//! | 3     | no reviewer produced a usable review |
//! | 4     | runtime failure that is not the user's input: disk full, git missing, a checkout that failed, a work directory that cannot be written |
//! | 128+N | ended by signal N: 129 SIGHUP, 130 SIGINT, 143 SIGTERM |
//!
//! A broken pipe on standard output is not a failure (see `output.rs`): the command
//! keeps the code it would have had.

use deep_review_core::config::ConfigError;
use deep_review_core::pipeline::PipelineError;
use deep_review_core::target::TargetError;
use deep_review_core::verify::GitTreeError;
use deep_review_core::workdir::WorkdirError;

pub const SUCCESS: u8 = 0;
pub const FAIL_ON: u8 = 1;
pub const USAGE: u8 = 2;
pub const NO_REVIEW: u8 = 3;
pub const RUNTIME: u8 = 4;

/// The code of a process ended by signal `number`, as shells report it.
pub fn signal(number: i32) -> u8 {
    u8::try_from(128 + number).unwrap_or(u8::MAX)
}

/// The "Exit codes:" block of `--help`; README's section says the same.
pub const HELP: &str = "\
Exit codes:
  0    success: the verdict is within --fail-on
  1    a finding at or above --fail-on
  2    usage or configuration error
  3    no reviewer produced a usable review
  4    runtime failure: disk full, git missing, a checkout or write that failed
  130  interrupted (SIGINT); 143 SIGTERM, 129 SIGHUP";

/// Why a command stopped without finishing its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The user's input (arguments, configuration, target) is wrong.
    Usage,
    /// Every reviewer ran, none left a usable review.
    NoReview,
    /// The machine, not the input: disk full, git missing, a failed checkout.
    Runtime,
}

impl Kind {
    pub fn code(self) -> u8 {
        match self {
            Kind::Usage => USAGE,
            Kind::NoReview => NO_REVIEW,
            Kind::Runtime => RUNTIME,
        }
    }
}

/// An error with the kind that picks its exit code.
#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn code(&self) -> u8 {
        self.kind.code()
    }
}

pub fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        kind: Kind::Usage,
        error: error.into(),
    }
}

pub fn runtime(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        kind: Kind::Runtime,
        error: error.into(),
    }
}

pub fn no_review(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        kind: Kind::NoReview,
        error: error.into(),
    }
}

/// A command's result: the exit code it chose (verdict, signal), or why it failed.
pub type CmdResult = Result<u8, Failure>;

fn target_kind(e: &TargetError) -> Kind {
    match e {
        TargetError::NotARepository(_)
        | TargetError::NoSuchDirectory(_)
        | TargetError::UnknownRef(_)
        | TargetError::NoDefaultBranch
        | TargetError::HeadIsDefaultBranch { .. }
        | TargetError::NoMergeBase { .. }
        | TargetError::NoChanges { .. } => Kind::Usage,
        TargetError::GitMissing(_) | TargetError::Git { .. } | TargetError::Io { .. } => {
            Kind::Runtime
        }
    }
}

fn workdir_kind(e: &WorkdirError) -> Kind {
    match e {
        // A file in a directory the user pointed at that is not a work directory's.
        WorkdirError::BadFile { .. } => Kind::Usage,
        // The repository's content (a committed link) is the input.
        WorkdirError::LinkInRepository { .. } => Kind::Usage,
        WorkdirError::Io { .. } | WorkdirError::Checkout { .. } => Kind::Runtime,
        WorkdirError::Target(e) => target_kind(e),
    }
}

fn pipeline_kind(e: &PipelineError) -> Kind {
    match e {
        // Reading is of what the user named (`consolidate DIR`); writing is the machine's.
        PipelineError::Read { .. } | PipelineError::NoReviews(_) => Kind::Usage,
        PipelineError::Write { .. } => Kind::Runtime,
        PipelineError::Target(e) => target_kind(e),
        PipelineError::Workdir(e) => workdir_kind(e),
        PipelineError::Verify(GitTreeError::Spawn(_)) => Kind::Runtime,
        PipelineError::Verify(GitTreeError::UnknownRevision { .. }) => Kind::Usage,
    }
}

impl From<PipelineError> for Failure {
    fn from(e: PipelineError) -> Self {
        Failure {
            kind: pipeline_kind(&e),
            error: e.into(),
        }
    }
}

impl From<TargetError> for Failure {
    fn from(e: TargetError) -> Self {
        Failure {
            kind: target_kind(&e),
            error: e.into(),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        usage(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn kinds_follow_whose_fault_it_is() {
        let cases: Vec<(PipelineError, u8)> = vec![
            (PipelineError::NoReviews("d".into()), USAGE),
            (
                PipelineError::Target(TargetError::UnknownRef("x".into())),
                USAGE,
            ),
            (
                PipelineError::Target(TargetError::GitMissing(io::ErrorKind::NotFound.into())),
                RUNTIME,
            ),
            (
                PipelineError::Write {
                    path: "REVIEW.md".into(),
                    source: io::Error::from_raw_os_error(28),
                },
                RUNTIME,
            ),
            (
                PipelineError::Workdir(WorkdirError::Checkout {
                    sha: "abc".into(),
                    message: "clone failed".into(),
                }),
                RUNTIME,
            ),
            (
                PipelineError::Workdir(WorkdirError::BadFile {
                    path: "review.json".into(),
                    message: "bad".into(),
                }),
                USAGE,
            ),
        ];
        for (error, code) in cases {
            let text = error.to_string();
            assert_eq!(Failure::from(error).code(), code, "{text}");
        }
    }

    #[test]
    fn signals_add_128() {
        assert_eq!(signal(2), 130);
        assert_eq!(signal(15), 143);
        assert_eq!(signal(1), 129);
    }
}
