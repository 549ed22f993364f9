//! `deep-review completions SHELL` and `deep-review man`: shell completions and the
//! man page, generated from the same clap definitions that parse the command line, so
//! they cannot drift from it.

use clap::Args;
use clap_complete::Shell;

use crate::exit::{self, CmdResult};
use crate::output;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script for `args.shell` on standard output.
pub fn completions(args: &CompletionsArgs, mut command: clap::Command) -> CmdResult {
    let mut script = Vec::new();
    let name = command.get_name().to_string();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    output::stdout_bytes(&script)?;
    Ok(exit::SUCCESS)
}

/// Prints the man page (roff, section 1) on standard output:
/// `deep-review man > deep-review.1`.
pub fn man(command: clap::Command) -> CmdResult {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(exit::runtime)?;
    output::stdout_bytes(&page)?;
    Ok(exit::SUCCESS)
}
