//! Confining a reviewer's process tree with the kernel (Landlock): what it may read,
//! what it may write, whether it may open TCP connections.
//!
//! The confinement is applied by the `deep-review-sandbox` launcher (this crate's second
//! binary) to itself just before it `exec`s the reviewer, so it holds for the reviewer
//! and everything it starts (Landlock domains are inherited across `exec` and `fork`)
//! without any `unsafe` `pre_exec` in the runner. A [`Policy`] is the launcher's command
//! line: `deep-review-sandbox --ro PATH… --rw PATH… [--no-network] -- PROGRAM ARGS…`.
//! The launcher also keeps the program's whole process tree ([`crate::reaper`]); run as
//! `deep-review-sandbox --unconfined -- PROGRAM ARGS…` it does only that, which is how
//! [`crate::process`] runs every other child.
//!
//! What a policy always allows: reading (and executing) the system ([`SYSTEM_READ`]) and
//! writing `/dev/null`. Everything else is named by the caller; nothing that is not
//! named is reachable, however the permission bits say (root included).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use landlock::{
    Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr,
    RulesetStatus, Scope, ABI,
};

use crate::process::ProcessSpec;

/// The launcher's file name, looked for next to the running executable.
pub const LAUNCHER: &str = "deep-review-sandbox";

/// Read-only for every confined process: programs, libraries, configuration, `/proc`.
pub const SYSTEM_READ: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc",
    "/opt",
    "/proc",
    "/sys",
    "/run/systemd/resolve",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
];

/// Writable for every confined process.
pub const SYSTEM_WRITE: &[&str] = &["/dev/null"];

/// The oldest Landlock ABI that counts as a sandbox: 3 is the first that controls
/// truncation, without which a confined process could empty any file it can see.
const MIN_FS_ABI: ABI = ABI::V3;
/// The newest ABI whose rights the launcher asks for (best effort above the minimum).
const WANTED_ABI: ABI = ABI::V6;

/// What the running kernel can enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// No usable Landlock (not built in, disabled at boot, or older than ABI 3).
    None,
    /// Files only (ABI 3): no way to deny network access.
    Filesystem,
    /// Files and TCP connect/bind (ABI 4 and later).
    FilesystemAndNetwork,
}

impl Support {
    pub fn filesystem(self) -> bool {
        self != Support::None
    }

    pub fn network(self) -> bool {
        self == Support::FilesystemAndNetwork
    }
}

/// Asks the kernel which Landlock features it has, without restricting anything. The
/// answer is a fact of the machine: asked once per process, then remembered.
pub fn probe() -> Support {
    static SUPPORT: std::sync::OnceLock<Support> = std::sync::OnceLock::new();
    *SUPPORT.get_or_init(ask_kernel)
}

fn ask_kernel() -> Support {
    let hard = || Ruleset::default().set_compatibility(CompatLevel::HardRequirement);
    let fs = hard()
        .handle_access(AccessFs::from_all(MIN_FS_ABI))
        .and_then(|r| r.create())
        .is_ok();
    if !fs {
        return Support::None;
    }
    let net = hard()
        .handle_access(AccessNet::ConnectTcp | AccessNet::BindTcp)
        .and_then(|r| r.create())
        .is_ok();
    if net {
        Support::FilesystemAndNetwork
    } else {
        Support::Filesystem
    }
}

/// The note for a run record when a reviewer runs unconfined, or `None` when it can be
/// confined (`launcher` found and the kernel able).
pub fn unavailable_note(launcher: Option<&Path>, support: Support) -> Option<String> {
    match (launcher, support) {
        (_, Support::None) => Some(
            "not sandboxed: the kernel has no Landlock (ABI 3 or later); the reviewer could \
             read and write whatever the user can"
                .to_string(),
        ),
        (None, _) => Some(format!(
            "not sandboxed: the `{LAUNCHER}` launcher was not found next to deep-review"
        )),
        (Some(_), _) => None,
    }
}

/// `deep-review-sandbox` next to the running executable, when it is there.
pub fn find_launcher() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join(LAUNCHER);
    candidate.is_file().then_some(candidate)
}

/// What one confined process may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Read and execute, recursively.
    pub read: Vec<PathBuf>,
    /// Read, write, create, remove, recursively (a file: that file only).
    pub write: Vec<PathBuf>,
    /// Deny every TCP connect and bind.
    pub no_network: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::new()
    }
}

impl Policy {
    /// The system paths and nothing else.
    pub fn new() -> Self {
        Policy {
            read: SYSTEM_READ.iter().map(PathBuf::from).collect(),
            write: SYSTEM_WRITE.iter().map(PathBuf::from).collect(),
            no_network: false,
        }
    }

    pub fn read(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.read.push(path.into());
        self
    }

    pub fn write(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.write.push(path.into());
        self
    }

    /// Makes the program of `spec` (and the directories of its `PATH`) readable and
    /// executable, so the launcher can `exec` it and it can run what it finds.
    pub fn allow_program(&mut self, spec: &ProcessSpec) -> &mut Self {
        let home = spec.env.get("HOME").map(PathBuf::from);
        let program = Path::new(&spec.program);
        if program.components().count() > 1 {
            let full = if program.is_absolute() {
                program.to_path_buf()
            } else {
                spec.cwd.join(program)
            };
            if let Some(dir) = full.parent() {
                self.read.push(dir.to_path_buf());
            }
        }
        if let Some(path) = spec.env.get("PATH") {
            for dir in std::env::split_paths(path) {
                // A relative entry, the root or the home itself would open too much.
                if dir.is_absolute() && dir != Path::new("/") && Some(&dir) != home.as_ref() {
                    self.read.push(dir);
                }
            }
        }
        self
    }

    /// The launcher's options for this policy (before `--`).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (flag, paths) in [("--ro", &self.read), ("--rw", &self.write)] {
            for path in paths {
                args.push(flag.to_string());
                args.push(path.display().to_string());
            }
        }
        if self.no_network {
            args.push("--no-network".to_string());
        }
        args
    }

    /// Reads the launcher's command line (without its own name): the policy and the
    /// program with its arguments.
    pub fn parse(args: &[OsString]) -> Result<(Policy, Vec<OsString>), String> {
        let mut policy = Policy {
            read: Vec::new(),
            write: Vec::new(),
            no_network: false,
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.to_str() {
                Some("--ro") | Some("--rw") => {
                    let value = rest
                        .next()
                        .ok_or_else(|| format!("{} needs a path", arg.to_string_lossy()))?;
                    let list = if arg == "--ro" {
                        &mut policy.read
                    } else {
                        &mut policy.write
                    };
                    list.push(PathBuf::from(value));
                }
                Some("--no-network") => policy.no_network = true,
                Some("--") => {
                    let command: Vec<OsString> = rest.cloned().collect();
                    if command.is_empty() {
                        return Err("no program after `--`".to_string());
                    }
                    return Ok((policy, command));
                }
                _ => return Err(format!("unknown option `{}`", arg.to_string_lossy())),
            }
        }
        Err("no `--` before the program".to_string())
    }

    /// Confines the calling process (and so everything it `exec`s or starts) to this
    /// policy. Paths that do not exist are left out. An error means nothing could be
    /// enforced, or `no_network` was asked of a kernel that cannot deny it.
    pub fn enforce(&self) -> Result<(), String> {
        let fail = |e: landlock::RulesetError| format!("landlock: {e}");
        let mut ruleset = Ruleset::default()
            .set_compatibility(CompatLevel::HardRequirement)
            .handle_access(AccessFs::from_all(MIN_FS_ABI))
            .map_err(fail)?
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(AccessFs::from_all(WANTED_ABI))
            .map_err(fail)?
            .scope(Scope::Signal | Scope::AbstractUnixSocket)
            .map_err(fail)?;
        if self.no_network {
            ruleset = ruleset
                .set_compatibility(CompatLevel::HardRequirement)
                .handle_access(AccessNet::ConnectTcp | AccessNet::BindTcp)
                .map_err(fail)?
                .set_compatibility(CompatLevel::BestEffort);
        }
        let status = ruleset
            .create()
            .map_err(fail)?
            .add_rules(landlock::path_beneath_rules(
                &self.read,
                AccessFs::from_read(WANTED_ABI),
            ))
            .map_err(fail)?
            .add_rules(landlock::path_beneath_rules(
                &self.write,
                AccessFs::from_all(WANTED_ABI),
            ))
            .map_err(fail)?
            .restrict_self()
            .map_err(fail)?;
        match status.ruleset {
            RulesetStatus::NotEnforced => Err("landlock: the kernel enforced nothing".to_string()),
            _ => Ok(()),
        }
    }
}

/// What the launcher was asked to do: confine the program to a policy, or only keep its
/// process tree (`--unconfined`).
pub fn parse_launch(args: &[OsString]) -> Result<(Option<Policy>, Vec<OsString>), String> {
    match args.split_first() {
        Some((first, rest)) if first == UNCONFINED => match rest.split_first() {
            Some((dash, command)) if dash == "--" && !command.is_empty() => {
                Ok((None, command.to_vec()))
            }
            _ => Err(format!("{UNCONFINED} needs `-- PROGRAM`")),
        },
        _ => Policy::parse(args).map(|(policy, command)| (Some(policy), command)),
    }
}

/// What the launcher prints on standard error, exiting with [`SPAWN_FAILED_CODE`], when
/// it cannot start the program; the runner turns it back into a spawn failure.
pub const SPAWN_FAILED_PREFIX: &str = "deep-review-sandbox: cannot run ";
/// The launcher's exit code when the program could not be started (as a shell's).
pub const SPAWN_FAILED_CODE: i32 = 127;

/// The launcher's option for keeping a process tree without confining it.
pub const UNCONFINED: &str = "--unconfined";

/// Turns `spec` into the same command run through the launcher under `policy`.
pub fn wrap(spec: &mut ProcessSpec, launcher: &Path, policy: &Policy) {
    wrap_args(spec, launcher, policy.to_args());
}

/// Turns `spec` into the same command run through the launcher without confinement, so
/// only its process tree is kept ([`crate::reaper`]).
pub fn wrap_unconfined(spec: &mut ProcessSpec, launcher: &Path) {
    wrap_args(spec, launcher, vec![UNCONFINED.to_string()]);
}

fn wrap_args(spec: &mut ProcessSpec, launcher: &Path, mut args: Vec<String>) {
    // The launcher is the tree's keeper now; it is not wrapped a second time.
    spec.reaper = None;
    let program = std::mem::replace(&mut spec.program, launcher.display().to_string());
    args.push("--".to_string());
    args.push(program);
    args.append(&mut spec.args);
    spec.args = args;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn policy_round_trips_through_the_command_line() {
        let mut policy = Policy::new();
        policy.read("/co").write("/w/out.md");
        policy.no_network = true;
        let mut args: Vec<OsString> = policy.to_args().into_iter().map(Into::into).collect();
        args.extend(["--".into(), "prog".into(), "--ro".into()]);
        let (parsed, command) = Policy::parse(&args).unwrap();
        assert_eq!(parsed, policy);
        assert_eq!(command, [OsString::from("prog"), OsString::from("--ro")]);
    }

    #[test]
    fn malformed_command_lines_are_refused() {
        let check = |args: &[&str], error: &str| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            assert_eq!(Policy::parse(&args).unwrap_err(), error);
        };
        check(&["--ro"], "--ro needs a path");
        check(&["--ro", "/a", "prog"], "unknown option `prog`");
        check(&["--ro", "/a"], "no `--` before the program");
        check(&["--"], "no program after `--`");
    }

    #[test]
    fn unconfined_launches_keep_only_the_tree() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            parse_launch(&args(&["--unconfined", "--", "prog", "x"])).unwrap(),
            (None, args(&["prog", "x"]))
        );
        assert_eq!(
            parse_launch(&args(&["--unconfined", "prog"])).unwrap_err(),
            "--unconfined needs `-- PROGRAM`"
        );
        let (policy, command) = parse_launch(&args(&["--ro", "/a", "--", "p"])).unwrap();
        assert_eq!(policy.unwrap().read, [PathBuf::from("/a")]);
        assert_eq!(command, args(&["p"]));
    }

    #[test]
    fn wrapping_puts_the_launcher_first() {
        let mut spec = ProcessSpec::new("./review.sh", "/co", Duration::from_secs(1));
        spec.args = vec!["x".into()];
        let mut policy = Policy::new();
        policy.read.clear();
        policy.write.clear();
        policy.read("/co");
        wrap(&mut spec, Path::new("/bin/deep-review-sandbox"), &policy);
        assert_eq!(spec.program, "/bin/deep-review-sandbox");
        assert_eq!(spec.args, ["--ro", "/co", "--", "./review.sh", "x"]);
    }

    #[test]
    fn the_program_and_its_path_become_readable() {
        let mut spec = ProcessSpec::new("./bin/review.sh", "/co", Duration::from_secs(1));
        spec.env.insert("PATH".into(), "/fake:.:/:/home/me".into());
        spec.env.insert("HOME".into(), "/home/me".into());
        let mut policy = Policy::new();
        policy.read.clear();
        policy.allow_program(&spec);
        assert_eq!(
            policy.read,
            [PathBuf::from("/co/./bin"), PathBuf::from("/fake")]
        );
    }

    #[test]
    fn notes_say_why_nothing_is_confined() {
        let launcher = Path::new("/x/deep-review-sandbox");
        assert!(unavailable_note(Some(launcher), Support::Filesystem).is_none());
        assert!(unavailable_note(Some(launcher), Support::None)
            .unwrap()
            .contains("the kernel has no Landlock"));
        assert!(unavailable_note(None, Support::FilesystemAndNetwork)
            .unwrap()
            .contains("launcher was not found"));
    }
}
