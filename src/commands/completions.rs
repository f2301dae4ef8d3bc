//! `fleche completions SHELL`: generated from the clap definition, so it
//! never drifts from the real options. The copies under `completions/` are
//! checked against this output by the tests.

use crate::cli::Cli;
use crate::context::Context;
use crate::error::Exit;
use anyhow::Result;
use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellName {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[derive(Debug, Args)]
#[command(
    about = "Print a shell completion script",
    after_help = "Install, for example:\n  fleche completions bash > ~/.local/share/bash-completion/completions/fleche\n  \
fleche completions zsh > ~/.zfunc/_fleche\n  fleche completions fish > ~/.config/fish/completions/fleche.fish"
)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: ShellName,
}

pub fn run(_ctx: &Context, args: CompletionsArgs) -> Result<Exit> {
    let shell = match args.shell {
        ShellName::Bash => Shell::Bash,
        ShellName::Zsh => Shell::Zsh,
        ShellName::Fish => Shell::Fish,
        ShellName::Elvish => Shell::Elvish,
        ShellName::Powershell => Shell::PowerShell,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fleche", &mut out);
    io::stdout().lock().write_all(&out)?;
    Ok(Exit::Success)
}
