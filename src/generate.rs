//! Man pages and shell completions, generated from the clap definitions (for packagers:
//! `xivo-berofos generate man DIR`, `xivo-berofos generate completion bash`,
//! `xivo-berofos generate bnfos-completion bash` for the vendor-compatible `bnfos`).
//!
//! Every page gets EXIT STATUS, FILES and SEE ALSO from the tables here ([`FILES`],
//! [`SEE_ALSO`]) and from the exit codes' own enums; `ocf_xivo_berofos.7` is made, as
//! resource-agents makes its `ocf_heartbeat_*(7)` pages from the meta-data, from the
//! agent's parameter and action tables ([`crate::ocf::params::PARAMS`],
//! [`crate::ocf::metadata::ACTIONS`]).

use crate::cli::Cli;
use crate::commands::check;
use crate::error::{Error, Result, EXIT_CONFIG, EXIT_DEVICE, EXIT_OK, EXIT_USAGE};
use crate::ocf::metadata::{ACTIONS, LONGDESC, SHORTDESC};
use crate::ocf::params::PARAMS;
use crate::ocf::OcfExit;
use clap::CommandFactory;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
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

/// Which exit statuses a page lists.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Exits {
    /// The admin commands (and `bnfos`): 0, 1, 2, 6, and a signal's.
    Admin,
    /// `check`: the monitoring plugin's states.
    Check,
    /// The resource agent: OCF codes.
    Agent,
}

/// The exit statuses of the admin commands.
const ADMIN_EXITS: &[(i32, &str)] = &[
    (EXIT_OK, "success"),
    (
        EXIT_DEVICE,
        "a berofos or the network failed: each one is named on stderr with its host and what to try",
    ),
    (EXIT_USAGE, "bad usage or a bad value"),
    (EXIT_CONFIG, "a bad configuration file (its file, line and section named)"),
    (
        130,
        "stopped by SIGINT, after its clean stop (locks released, no partial file, what was switched logged)",
    ),
    (143, "stopped by SIGTERM, the same way"),
];

/// The files the pages name, each once: `(path, what it is)`.
pub const FILES: &[(&str, &str)] = &[
    (
        crate::config::DEFAULT_PATH,
        "The berofos configuration: one [section] per berofos with its mac, host, and optional login = user:password and port. Not shipped: the admin writes it, or xivo-berofos scan -x merges what it finds into it. It holds the logins: mode 0600. Without it the product is \"not configured\" and master, slave and the agent do nothing. A cluster may use a file of its own (the agent's config parameter, given to the commands with -c or --config).",
    ),
    (
        "/usr/lib/ocf/resource.d/xivo/berofos",
        "The Pacemaker resource agent ocf:xivo:berofos: a link to /usr/sbin/xivo-berofos (see ocf_xivo_berofos(7)).",
    ),
    (
        "/usr/share/xivo-berofos/pcs-examples/",
        "The cluster scripts, run with sh and parameterized by environment variables: cluster-setup.sh, create.sh, constraints.sh, fencing.sh, fencing-policy.sh, no-failback.sh, remove.sh, and their README.md.",
    ),
    (
        "/usr/share/doc/xivo-berofos/",
        "README.md.gz, README.Debian, and docs/: reference.md.gz (every command, the configuration file, the agent), monitoring.md.gz (the check for Nagios, Icinga and Centreon); read them with zless.",
    ),
    (
        crate::lock::DEFAULT_DIR,
        "The locks that serialize the writes to each berofos between the commands and the agent (root's, mode 0700).",
    ),
    (
        "/run/resource-agents/berofos-<instance>.state",
        "The agent's state file (unpromoted or promoted), in $HA_RSCTMP.",
    ),
];

/// The pages the pages point to; each page leaves itself out.
pub const SEE_ALSO: &[&str] = &[
    "xivo-berofos(8)",
    "xivo-berofos-check(8)",
    "bnfos(8)",
    "ocf_xivo_berofos(7)",
    "pcs(8)",
    "crm_mon(8)",
    "crm_resource(8)",
];

/// EXIT STATUS, FILES and SEE ALSO of the page `name` (`xivo-berofos-check(8)`).
fn common_sections(roff: &mut Roff, exits: Exits, name: &str) {
    roff.control("SH", ["EXIT STATUS"]);
    let rows: Vec<(i32, String)> = match exits {
        Exits::Admin => ADMIN_EXITS
            .iter()
            .map(|(c, m)| (*c, m.to_string()))
            .collect(),
        Exits::Check => check::State::ALL
            .iter()
            .map(|s| (s.code(), s.meaning().to_string()))
            .collect(),
        Exits::Agent => OcfExit::ALL
            .iter()
            .map(|e| (e.code(), e.meaning().to_string()))
            .collect(),
    };
    for (code, meaning) in rows {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(meaning)]);
    }
    if name == "xivo-berofos(8)" {
        roff.control("PP", []);
        roff.text([roman(
            "check and ocf have exit statuses of their own: see xivo-berofos-check(8) and ocf_xivo_berofos(7).",
        )]);
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in FILES {
        roff.control("TP", []);
        roff.text([italic(*path)]);
        roff.text([roman(*what)]);
    }
    roff.control("SH", ["SEE ALSO"]);
    let others: Vec<&str> = SEE_ALSO.iter().copied().filter(|p| *p != name).collect();
    let mut line: Vec<Inline> = Vec::new();
    for (i, p) in others.iter().enumerate() {
        let (page, section) = p.split_once('(').unwrap_or((p, ""));
        line.push(bold(page));
        line.push(roman(format!(
            "({section}{}",
            if i + 1 < others.len() { ", " } else { "" }
        )));
    }
    roff.text(line);
}

/// One page of a command: clap_mangen's sections, then ours, SEE ALSO before VERSION.
fn command_page(cmd: clap::Command, name: &str, exits: Exits) -> std::io::Result<Vec<u8>> {
    let mut built = cmd.clone();
    built.build();
    let man = clap_mangen::Man::new(cmd).section("8");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if built.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if built.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut out)?;
    }
    if built.get_after_help().is_some() || built.get_after_long_help().is_some() {
        man.render_extra_section(&mut out)?;
    }
    let mut ours = Roff::new();
    common_sections(&mut ours, exits, &format!("{name}(8)"));
    ours.to_writer(&mut out)?;
    if built.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    Ok(out)
}

/// `ocf_xivo_berofos(7)`, laid out as resource-agents' `ocf_heartbeat_*(7)` pages,
/// from the tables the meta-data is made of.
pub fn agent_page() -> String {
    let mut r = Roff::new();
    let source = format!("xivo-berofos {}", env!("CARGO_PKG_VERSION"));
    r.control(
        "TH",
        ["OCF_XIVO_BEROFOS", "7", "", &source, "OCF resource agents"],
    );
    r.control("SH", ["NAME"]);
    r.text([roman(format!("ocf_xivo_berofos - {SHORTDESC}"))]);

    let mut names: Vec<&str> = Vec::new();
    for a in ACTIONS {
        if !names.contains(&a.name) {
            names.push(a.name);
        }
    }
    names.push("reload-agent");
    r.control("SH", ["SYNOPSIS"]);
    r.text([bold("berofos"), roman(format!(" [{}]", names.join(" | ")))]);

    r.control("SH", ["DESCRIPTION"]);
    r.text([roman(LONGDESC)]);

    r.control("SH", ["SUPPORTED PARAMETERS"]);
    for p in PARAMS {
        r.control("TP", []);
        r.text([bold(p.name)]);
        r.text([roman(format!("{} ({})", p.longdesc, p.shortdesc))]);
        r.control("br", []);
        let mut what = vec![
            if p.required { "required" } else { "optional" }.to_string(),
            p.content.xml().to_string(),
        ];
        if let Some(d) = p.default {
            what.push(format!("default \"{d}\""));
        }
        if p.reloadable {
            what.push("reload-agent applies it".into());
        }
        r.text([roman(format!("({})", what.join(", ")))]);
    }

    r.control("SH", ["SUPPORTED ACTIONS"]);
    for a in ACTIONS {
        r.control("TP", []);
        let attrs = a.extra.replace('"', "");
        r.text([bold(a.name), roman(attrs)]);
        r.text([roman(format!(
            "{} Suggested minimum timeout: {}.",
            a.does, a.timeout
        ))]);
    }
    r.control("TP", []);
    r.text([bold("reload-agent")]);
    r.text([roman(
        "Re-reads the reloadable parameters. Implemented but not listed in the meta-data: ra-api-1.dtd does not know it.",
    )]);

    r.control("SH", ["EXAMPLE PCS"]);
    r.text([roman(
        "A promotable clone on the two XiVO nodes (pcs 0.10: role=Master and role=Slave); /usr/share/xivo-berofos/pcs-examples/create.sh does it with every option:",
    )]);
    let mut example = String::from("pcs resource create berofos ocf:xivo:berofos");
    for p in PARAMS.iter().filter(|p| p.required) {
        example.push_str(&format!(" {}=<{}>", p.name, p.name.to_uppercase()));
    }
    for a in ACTIONS.iter().filter(|a| a.name == "monitor") {
        let attrs: Vec<&str> = a
            .extra
            .split_whitespace()
            .filter(|kv| !kv.starts_with("depth="))
            .collect();
        example.push_str(&format!(
            " \\\n    op monitor {} timeout={}",
            attrs.join(" ").replace('"', ""),
            a.timeout
        ));
    }
    example.push_str(" \\\n    promotable");
    r.control("nf", []);
    r.control("RS", ["4"]);
    for line in example.lines() {
        r.text([roman(line)]);
        r.control("br", []);
    }
    r.control("RE", []);
    r.control("fi", []);

    common_sections(&mut r, Exits::Agent, "ocf_xivo_berofos(7)");
    r.to_roff()
}

/// xivo-berofos.8, one xivo-berofos-<command>.8 per visible subcommand, bnfos.8, and
/// ocf_xivo_berofos.7.
fn man(dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| {
        Error::System(format!("cannot write man pages to {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let cmd = Cli::command().name("xivo-berofos");
    let page = |c: clap::Command, name: &str, exits: Exits| -> Result<()> {
        let out = command_page(c, name, exits).map_err(io)?;
        std::fs::write(dir.join(format!("{name}.8")), out).map_err(io)
    };
    page(cmd.clone(), "xivo-berofos", Exits::Admin)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("xivo-berofos-{}", sub.get_name());
        let exits = match sub.get_name() {
            "check" => Exits::Check,
            "ocf" => Exits::Agent,
            _ => Exits::Admin,
        };
        page(sub.clone().name(name.clone()), &name, exits)?;
    }
    page(crate::bnfos::command(), "bnfos", Exits::Admin)?;
    std::fs::write(dir.join("ocf_xivo_berofos.7"), agent_page()).map_err(io)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_page_is_made_of_the_tables() {
        let page = agent_page();
        for p in PARAMS {
            assert!(page.contains(&format!("\\fB{}\\fR", p.name)), "{}", p.name);
        }
        for a in ACTIONS {
            assert!(page.contains(a.timeout), "{}", a.name);
        }
        for e in OcfExit::ALL {
            assert!(page.contains(&format!("\\fB{}\\fR", e.code())), "{e:?}");
        }
        for s in [
            "SUPPORTED PARAMETERS",
            "SUPPORTED ACTIONS",
            "EXAMPLE PCS",
            "EXIT STATUS",
            "FILES",
            "SEE ALSO",
        ] {
            assert!(
                page.contains(&format!(".SH \"{s}\"")) || page.contains(&format!(".SH {s}")),
                "{s}"
            );
        }
        assert!(
            !page.contains("ocf_xivo_berofos\\fR(7)"),
            "a page does not point to itself"
        );
    }

    #[test]
    fn every_command_page_has_exit_status_files_and_see_also() {
        let dir = tempfile::tempdir().unwrap();
        man(dir.path()).unwrap();
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        let mut pages = 0;
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let text = read(&name);
            for s in ["EXIT STATUS", "FILES", "SEE ALSO"] {
                assert!(text.contains(s), "{name} lacks {s}");
            }
            pages += 1;
        }
        assert!(pages > 10, "{pages} pages");
        let check = read("xivo-berofos-check.8");
        assert!(
            check.contains("UNKNOWN: bad usage"),
            "check lists its own states"
        );
        assert!(read("xivo-berofos-master.8").contains("\\fB6\\fR"));
        assert!(read("xivo-berofos-ocf.8").contains("OCF_FAILED_PROMOTED"));
    }
}
