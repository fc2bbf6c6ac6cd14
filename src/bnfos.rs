//! `bnfos`: the vendor's command line (bntools), word for word, served by our commands.
//!
//! Installed as another name of the binary (`/usr/sbin/bnfos`), it takes the vendor's
//! operation modes (`--scan`, `--netconf`, `--flash FILE`, `--set KEY=VALUE`,
//! `--get KEY`, `--show`, `--ping`, `--kick`, `--reset`) and short options (`-m -h -i
//! -n -g -e -d -a -p -u -t -s -x -f`), and turns them into the matching
//! `xivo-berofos` command line, which [`crate::cli::Cli`] then parses as usual.
//!
//! The vendor form is itself a clap command ([`command`]), but every argument of it is
//! cloned from [`crate::cli::Cli`] (help text, value name, value check): the one truth
//! stays the admin command line, and `bnfos --help`, `man bnfos` and its completion
//! are derived from it.

use crate::cli::Cli;
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Command, CommandFactory};
use std::ffi::OsString;

/// The vendor's operation modes, in its usage text's order: `--NAME` runs our
/// subcommand of the same name; `true` when the mode takes a value (`--flash FILE`),
/// which becomes the subcommand's positional argument.
pub const MODES: &[(&str, bool)] = &[
    ("scan", false),
    ("netconf", false),
    ("ping", false),
    ("kick", false),
    ("reset", false),
    ("flash", true),
    ("set", true),
    ("get", true),
    ("show", false),
];

/// The vendor's short options that take part in a device command, in its usage
/// order, with the subcommand whose definition of the letter we show (`-p` and `-h`
/// are those of the device commands, `-i`... those of netconf).
const SHORTS: &[(char, &str)] = &[
    ('m', "flash"),
    ('h', "flash"),
    ('i', "netconf"),
    ('n', "netconf"),
    ('g', "netconf"),
    ('e', "netconf"),
    ('d', "netconf"),
    ('a', "netconf"),
    ('p', "flash"),
    ('u', "flash"),
    ('x', "scan"),
    ('f', "flash"),
];

/// The vendor's options for running in a loop or in the background: not ours.
const UNSUPPORTED: &[(char, &str, &str)] = &[
    ('c', "continuous operation", "run the command from a loop or a systemd timer (--config FILE names another configuration file)"),
    ('b', "fork to background", "run it from a systemd timer or with `&`"),
    ('w', "wait between continuous operations", "run the command from a loop or a systemd timer"),
];

const AFTER_HELP: &str = "\
bnfos --MODE ... runs xivo-berofos MODE ...:
  bnfos --set mode=1 -f fos1   is   xivo-berofos set mode=1 -f fos1
Messages and exit status are xivo-berofos's: 0 success, 1 device or network failure,
2 usage or bad value, 6 bad configuration file. -h is the host, as in the vendor's
tool; help is --help. `xivo-berofos keys` lists the settings of --set and --get.
--scan -x merges into /etc/bnfos.conf (known berofos keep their name and login)
where the vendor's tool rewrote it.";

fn cli_arg(cmd: &Command, id: &str) -> Arg {
    cmd.get_arguments()
        .find(|a| a.get_id() == id)
        .cloned()
        .unwrap_or_else(|| panic!("Cli has no argument {id}"))
}

fn sub<'a>(cli: &'a Command, name: &str) -> &'a Command {
    cli.find_subcommand(name)
        .unwrap_or_else(|| panic!("Cli has no subcommand {name}"))
}

/// Our definition of a short option, without its default (a default is applied once,
/// by [`Cli`]; forwarding it would make every option look given).
fn short_arg(cli: &Command, letter: char, from: &str) -> Arg {
    sub(cli, from)
        .get_arguments()
        .find(|a| a.get_short() == Some(letter))
        .cloned()
        .unwrap_or_else(|| panic!("xivo-berofos {from} has no -{letter}"))
        .default_value(None)
        .required(false)
        .help_heading("Options")
}

/// The vendor's command line as a clap command, every argument taken from [`Cli`].
pub fn command() -> Command {
    let cli = Cli::command();
    let mut cmd = Command::new("bnfos")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The vendor's bnfos command line (bntools), word for word, served by xivo-berofos")
        .long_about(
            "The vendor's bnfos command line (bntools), word for word, served by xivo-berofos: \
             one operation mode (--scan, --set KEY=VALUE, ...) and the vendor's short options. \
             The XiVO documentation's berofos procedure works as written.",
        )
        .after_help(AFTER_HELP)
        .override_usage("bnfos <MODE> [OPTIONS]")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .infer_long_args(true)
        .arg_required_else_help(true);
    for &(mode, takes_value) in MODES {
        let s = sub(&cli, mode);
        let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
        let mut a = Arg::new(mode)
            .long(mode)
            .help(format!("{about} (xivo-berofos {mode})"))
            .help_heading("Modes");
        a = if takes_value {
            let pos = s
                .get_positionals()
                .next()
                .unwrap_or_else(|| panic!("xivo-berofos {mode} has no positional"));
            let name = pos
                .get_value_names()
                .and_then(|v| v.first().cloned())
                .map(|n| n.to_string())
                .unwrap_or_else(|| pos.get_id().as_str().to_uppercase());
            a.value_name(name)
                .num_args(1)
                .allow_hyphen_values(true)
                .value_hint(pos.get_value_hint())
                .value_parser(clap::value_parser!(OsString))
        } else {
            a.action(ArgAction::SetTrue)
        };
        cmd = cmd.arg(a);
    }
    cmd = cmd.group(
        ArgGroup::new("mode")
            .args(MODES.iter().map(|m| m.0))
            .required(true)
            .multiple(false),
    );
    for &(letter, from) in SHORTS {
        cmd = cmd.arg(short_arg(&cli, letter, from));
    }
    cmd = cmd
        .arg(
            cli_arg(&cli, "timeout")
                .default_value(None)
                .help_heading("Options"),
        )
        .arg(
            cli_arg(&cli, "syslog")
                .short('s')
                .global(false)
                .help_heading("Options"),
        );
    for &(letter, what, instead) in UNSUPPORTED {
        let a = Arg::new(format!("unsupported-{letter}"))
            .short(letter)
            .help(format!("The vendor's {what}: not supported, {instead}"))
            .help_heading("Not supported");
        cmd = cmd.arg(match letter {
            'w' => a.value_name("SEC").num_args(1),
            // Taken with a value too, so that `-c FILE` (our -c) gets this message.
            'c' => a.num_args(0..=1),
            _ => a.action(ArgAction::SetTrue),
        });
    }
    // xivo-berofos's own options, in their long form (-c is the vendor's "continuous").
    for id in ["config", "quiet", "verbose", "json"] {
        let mut a = cli_arg(&cli, id)
            .global(false)
            .help_heading("xivo-berofos options");
        if id == "config" {
            a = a.short(None).default_value(None);
        }
        cmd = cmd.arg(a);
    }
    cmd = cmd
        .arg(
            Arg::new("help")
                .long("help")
                .action(ArgAction::Help)
                .help("Print help")
                .help_heading("xivo-berofos options"),
        )
        .arg(
            Arg::new("version")
                .long("version")
                .action(ArgAction::Version)
                .help("Print version")
                .help_heading("xivo-berofos options"),
        );
    // Shown in the vendor's order, not in the order of the definitions they come from.
    let ids: Vec<_> = cmd.get_arguments().map(|a| a.get_id().clone()).collect();
    for (i, id) in ids.into_iter().enumerate() {
        cmd = cmd.mut_arg(id, |a| a.display_order(i));
    }
    cmd
}

fn given(m: &ArgMatches, id: &str) -> bool {
    m.value_source(id) == Some(ValueSource::CommandLine)
}

/// Translates the vendor's command line (argv, program name first) into
/// `xivo-berofos`'s. `Err` is clap's error (usage, `--help`, `--version`) to print
/// and exit with.
pub fn translate<I, T>(argv: I) -> Result<Vec<OsString>, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = command();
    let m = cmd.try_get_matches_from_mut(argv)?;
    for &(letter, what, instead) in UNSUPPORTED {
        if given(&m, &format!("unsupported-{letter}")) {
            return Err(cmd.error(
                ErrorKind::ArgumentConflict,
                format!("-{letter} ({what}) is not supported by this bnfos: {instead}"),
            ));
        }
    }
    let &(mode, takes_value) = MODES.iter().find(|x| given(&m, x.0)).ok_or_else(|| {
        cmd.error(
            ErrorKind::MissingRequiredArgument,
            "no operation mode given",
        )
    })?;
    let cli = Cli::command();
    let target = sub(&cli, mode);
    let mut out: Vec<OsString> = vec!["xivo-berofos".into(), mode.into()];
    for &(letter, _) in SHORTS {
        let id = cmd
            .get_arguments()
            .find(|a| a.get_short() == Some(letter))
            .map(|a| a.get_id().as_str().to_string())
            .unwrap_or_default();
        if !given(&m, &id) {
            continue;
        }
        if !target
            .get_arguments()
            .any(|a| a.get_short() == Some(letter))
        {
            let takes: Vec<String> = target
                .get_arguments()
                .filter_map(|a| a.get_short())
                .map(|c| format!("-{c}"))
                .collect();
            return Err(cmd.error(
                ErrorKind::ArgumentConflict,
                format!(
                    "--{mode} takes no -{letter} (it takes {}; see bnfos --help)",
                    if takes.is_empty() {
                        "no option".to_string()
                    } else {
                        takes.join(", ")
                    }
                ),
            ));
        }
        forward(&cmd, &m, &id, &format!("-{letter}"), &mut out);
    }
    for (id, flag) in [
        ("timeout", "--timeout"),
        ("syslog", "--syslog"),
        ("config", "--config"),
        ("quiet", "--quiet"),
        ("verbose", "--verbose"),
        ("json", "--json"),
    ] {
        if given(&m, id) {
            forward(&cmd, &m, id, flag, &mut out);
        }
    }
    if takes_value {
        if let Some(v) = m.get_one::<OsString>(mode) {
            out.push("--".into());
            out.push(v.clone());
        }
    }
    Ok(out)
}

/// `flag` alone for a switch, `flag VALUE` for an option (its value as typed).
fn forward(cmd: &Command, m: &ArgMatches, id: &str, flag: &str, out: &mut Vec<OsString>) {
    out.push(flag.into());
    let takes_value = cmd
        .get_arguments()
        .find(|a| a.get_id() == id)
        .is_some_and(|a| matches!(a.get_action(), ArgAction::Set | ArgAction::Append));
    if takes_value {
        if let Some(v) = m.get_raw(id).and_then(|mut r| r.next()) {
            out.push(v.to_os_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command as Sub;
    use clap::Parser;

    fn tr(args: &str) -> Vec<String> {
        translate(std::iter::once("bnfos").chain(args.split_whitespace()))
            .unwrap_or_else(|e| panic!("bnfos {args}: {e}"))
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    fn parsed(args: &str) -> Cli {
        let argv = tr(args);
        Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"))
    }

    fn refused(args: &str) -> clap::Error {
        match translate(std::iter::once("bnfos").chain(args.split_whitespace())) {
            Ok(v) => panic!("bnfos {args} was accepted: {v:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn the_command_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn every_form_of_the_xivo_documentation() {
        assert_eq!(tr("--scan -x"), ["xivo-berofos", "scan", "-x"]);
        assert_eq!(
            tr("--scan -x -h 192.168.0.2"),
            ["xivo-berofos", "scan", "-h", "192.168.0.2", "-x"]
        );
        let c = parsed("--netconf -f fos1 -i 10.34.1.20 -n 255.255.255.0 -g 10.34.1.1 -d 0");
        let Sub::Netconf(n) = c.command else { panic!() };
        assert_eq!(n.which.section.as_deref(), Some("fos1"));
        assert_eq!(n.ip.map(|i| i.to_string()).as_deref(), Some("10.34.1.20"));
        assert_eq!(
            n.netmask.map(|i| i.to_string()).as_deref(),
            Some("255.255.255.0")
        );
        assert_eq!(
            n.gateway.map(|i| i.to_string()).as_deref(),
            Some("10.34.1.1")
        );
        assert_eq!((n.dhcp, n.port, n.phy, n.auth), (0, 80, 0, 0));
        assert_eq!(
            tr("--flash bnfos_v153.bin -f fos1"),
            [
                "xivo-berofos",
                "flash",
                "-f",
                "fos1",
                "--",
                "bnfos_v153.bin"
            ]
        );
        for kv in [
            "apwd=s3cret",
            "pwd=1",
            "wdog=0",
            "wdogdef=0",
            "scenario=0",
            "mode=1",
            "modedef=1",
        ] {
            let c = parsed(&format!("--set {kv} -f fos1"));
            let Sub::Set { assignment, target } = c.command else {
                panic!()
            };
            assert_eq!(assignment, kv);
            assert_eq!(target.which.section.as_deref(), Some("fos1"));
        }
    }

    #[test]
    fn every_form_of_the_vendor_usage() {
        let c = parsed("--get mode -h 10.0.0.9 -p 8080 -u admin:pw");
        let Sub::Get { key, target } = c.command else {
            panic!()
        };
        assert_eq!(key, "mode");
        assert_eq!(target.which.host.as_deref(), Some("10.0.0.9"));
        assert_eq!(
            (target.port, target.login.as_deref()),
            (Some(8080), Some("admin:pw"))
        );
        assert!(matches!(parsed("--show -f fos2").command, Sub::Show(_)));
        for (mode, want) in [("--ping", "ping"), ("--kick", "kick"), ("--reset", "reset")] {
            assert_eq!(tr(&format!("{mode} -m 00:19:32:00:12:1D"))[1], want);
            let c = parsed(&format!("{mode} -m 00:19:32:00:12:1D"));
            let got = format!("{:?}", c.command).to_lowercase();
            assert!(got.starts_with(want), "{got}");
        }
        // Netconf's other options, the timeout, syslog, bundled short options, --mode=VALUE.
        let c = parsed("--netconf -m 00:19:32:00:12:1D -e 2 -a 1 -p 8080 -d 1 -t 5 -s");
        assert!(c.syslog);
        assert_eq!(c.timeout, 5.0);
        let Sub::Netconf(n) = c.command else { panic!() };
        assert_eq!((n.phy, n.auth, n.port, n.dhcp), (2, 1, 8080, 1));
        assert_eq!(
            tr("--scan -xh127.0.0.2"),
            ["xivo-berofos", "scan", "-h", "127.0.0.2", "-x"]
        );
        assert_eq!(
            tr("--set=mode=0 -f fos1")[1..],
            ["set", "-f", "fos1", "--", "mode=0"]
        );
        // The mode may come after the options; a flash file may start with a dash.
        assert_eq!(
            tr("-f fos1 --get mode")[1..],
            ["get", "-f", "fos1", "--", "mode"]
        );
        let c = parsed("--flash -odd.bin -f fos1");
        let Sub::Flash { file, .. } = c.command else {
            panic!()
        };
        assert_eq!(file.to_str(), Some("-odd.bin"));
        // getopt_long's abbreviations.
        assert_eq!(tr("--netc -f fos1")[1], "netconf");
    }

    #[test]
    fn what_the_vendor_refused_or_we_do_not_do() {
        // No mode, two modes, an option of another mode, an option given twice.
        assert_eq!(
            refused("-f fos1").kind(),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(refused("--scan --show").kind(), ErrorKind::ArgumentConflict);
        let e = refused("--scan -f fos1").to_string();
        assert!(
            e.contains("--scan takes no -f") && e.contains("-h, -x"),
            "{e}"
        );
        assert!(refused("--ping -f fos1 -f fos2").to_string().contains("-f"));
        // Continuous and background operation.
        for o in ["-c", "-b", "-w 3", "-c /etc/other.conf"] {
            let e = refused(&format!("--ping -f fos1 {o}")).to_string();
            assert!(
                e.contains("not supported") && e.contains("systemd timer"),
                "{o}: {e}"
            );
        }
        // -h is the host: help is --help, and -c is not our config file here.
        assert_eq!(refused("--help").kind(), ErrorKind::DisplayHelp);
        assert_eq!(refused("--version").kind(), ErrorKind::DisplayVersion);
        assert!(refused("--scan -h").to_string().contains("-h"));
        // No arguments: the usage, as the vendor's tool printed it.
        assert_eq!(
            translate(["bnfos"]).unwrap_err().kind(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
    }

    #[test]
    fn our_own_options_in_long_form() {
        let c = parsed("--show -f fos1 --config /tmp/x.conf --json -q");
        assert_eq!(c.config.to_str(), Some("/tmp/x.conf"));
        assert!(c.json && c.quiet);
    }

    #[test]
    fn help_is_derived_from_the_admin_command_line() {
        let help = command().render_long_help().to_string();
        let cli = Cli::command();
        for &(mode, _) in MODES {
            assert!(help.contains(&format!("--{mode}")), "{help}");
            let about = sub(&cli, mode).get_about().unwrap().to_string();
            assert!(help.contains(&about), "{about}");
        }
        for &(letter, _) in SHORTS {
            assert!(help.contains(&format!("-{letter}")), "-{letter}");
        }
        assert!(help.contains("--set <KEY=VALUE>") && help.contains("--flash <FILE>"));
        assert!(help.contains("bnfos --set mode=1 -f fos1   is   xivo-berofos set mode=1 -f fos1"));
    }
}
