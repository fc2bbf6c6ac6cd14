//! Man pages and shell completions, generated from the clap definitions (for packagers:
//! `xivo-berofos generate man DIR`, `xivo-berofos generate completion bash`,
//! `xivo-berofos generate bnfos-completion bash` for the vendor-compatible `bnfos`).

use crate::cli::Cli;
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::path::Path;

pub fn run(what: &str, arg: &str) -> Result<()> {
    match what {
        "man" => man(Path::new(arg)),
        "completion" => completion(arg, Cli::command(), "xivo-berofos"),
        "bnfos-completion" => completion(arg, crate::bnfos::command(), "bnfos"),
        _ => Err(Error::Usage(format!(
            "generate {what}: expected `man DIR`, `completion SHELL` or `bnfos-completion SHELL`"
        ))),
    }
}

/// xivo-berofos.8, one xivo-berofos-<command>.8 per visible subcommand, and bnfos.8.
fn man(dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| {
        Error::System(format!("cannot write man pages to {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let cmd = Cli::command().name("xivo-berofos");
    let page = |c: clap::Command, name: &str| -> Result<()> {
        let mut out = Vec::new();
        clap_mangen::Man::new(c)
            .section("8")
            .render(&mut out)
            .map_err(io)?;
        std::fs::write(dir.join(format!("{name}.8")), out).map_err(io)
    };
    page(cmd.clone(), "xivo-berofos")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("xivo-berofos-{}", sub.get_name());
        page(sub.clone().name(name.clone()), &name)?;
    }
    page(crate::bnfos::command(), "bnfos")
}

fn completion(shell: &str, mut cmd: clap::Command, name: &str) -> Result<()> {
    let shell: clap_complete::Shell = shell.parse().map_err(|_| {
        Error::Usage(format!(
            "unknown shell '{shell}': bash, zsh, fish, elvish or powershell"
        ))
    })?;
    // Into memory first: clap_complete panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    crate::out!("{}", String::from_utf8_lossy(&script));
    Ok(())
}
