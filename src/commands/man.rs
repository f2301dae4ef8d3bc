//! `fleche man`: the manual page, generated from the clap definition.

use crate::cli::Cli;
use crate::context::Context;
use crate::error::Exit;
use anyhow::Result;
use clap::{Args, CommandFactory};
use std::io::{self, Write};

#[derive(Debug, Args)]
#[command(about = "Print the manual page (roff), e.g. `fleche man | man -l -`")]
pub struct ManArgs {}

pub fn run(_ctx: &Context, _args: ManArgs) -> Result<Exit> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    io::stdout().lock().write_all(&out)?;
    Ok(Exit::Success)
}
