//! The command line, described once with clap: it drives parsing, `--help`, the man
//! pages and the shell completions.
//!
//! `-h` is the vendor tool's "host" flag, so help is `--help` only.

use crate::mac::Mac;
use clap::{ArgAction, Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit status: 0 success, 1 device or network failure, 2 usage or bad value, 6 bad configuration file.
The XiVO documentation's procedure, word for word: bnfos --set mode=1 -f fos1  is  xivo-berofos set mode=1 -f fos1";

#[derive(Parser, Debug)]
#[command(
    name = "xivo-berofos",
    version,
    about = "Keep a XiVO HA cluster's ISDN lines on the live server through a berofos failover switch",
    long_about = "Keep a XiVO HA cluster's ISDN lines on the live server through a berofos failover switch.\n\n\
        master/slave/status switch and read the relay of every configured berofos; the other \
        commands set a berofos up, like the vendor's bnfos tool; `ocf` is the Pacemaker resource agent.\n\
        Relay mode 1 (A--B): the master XiVO, wired to port B, has the lines; 0 (A--D): the slave XiVO, wired to port D.",
    after_help = AFTER_HELP,
    disable_help_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Configuration file (sections fos1, fos2, ... with mac, host, login, port).
    #[arg(short = 'c', long = "config", global = true, value_name = "FILE", default_value = crate::config::DEFAULT_PATH)]
    pub config: PathBuf,
    /// Only errors on stderr.
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail on stderr.
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
    /// Also log to syslog (facility daemon, tag xivo-berofos).
    #[arg(long, global = true)]
    pub syslog: bool,
    /// Machine-readable output (scan, show, get, status, keys).
    #[arg(long, global = true)]
    pub json: bool,
    /// Seconds to wait for each berofos answer.
    #[arg(short = 't', long = "timeout", global = true, value_name = "SEC", default_value = "3", value_parser = parse_seconds)]
    pub timeout: f64,
    /// Print help.
    #[arg(long, action = ArgAction::Help, global = true)]
    pub help: Option<bool>,
    #[command(subcommand)]
    pub command: Command,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!(
            "'{s}' is not a number of seconds between 0 and 3600"
        )),
    }
}

/// Which berofos: a section of the configuration, or a MAC / host given directly.
#[derive(Args, Debug, Clone, Default)]
pub struct Which {
    /// The berofos of section NAME of the configuration (fos1, fos2, ...).
    #[arg(short = 'f', value_name = "NAME")]
    pub section: Option<String>,
    /// The berofos with this MAC address.
    #[arg(short = 'm', value_name = "MAC", value_parser = parse_mac)]
    pub mac: Option<Mac>,
    /// The berofos at this IP address or host name.
    #[arg(short = 'h', value_name = "HOST")]
    pub host: Option<String>,
}

/// Which berofos, and how to reach its HTTP face.
#[derive(Args, Debug, Clone, Default)]
pub struct Target {
    #[command(flatten)]
    pub which: Which,
    /// Its HTTP port (default: the section's port, else 80).
    #[arg(short = 'p', value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// HTTP login USER (password from $XIVO_BEROFOS_PASSWORD or asked); USER:PASS works but shows the password to `ps`.
    #[arg(short = 'u', value_name = "USER[:PASS]")]
    pub login: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct Setup {
    #[command(flatten)]
    pub target: Target,
    /// Also move the relay to mode 1 (A--B), the master XiVO's side, as the XiVO documentation's procedure does. Without it the lines stay where they are: on a live cluster, the promoted node's agent drives the relay.
    #[arg(long)]
    pub relay: bool,
}

fn parse_mac(s: &str) -> Result<Mac, String> {
    s.parse()
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Give the ISDN lines to the master XiVO: relay mode 1 (A--B) on every berofos.
    #[command(disable_help_flag = true)]
    Master(Switch),
    /// Give the ISDN lines to the slave XiVO: relay mode 0 (A--D) on every berofos.
    #[command(disable_help_flag = true)]
    Slave(Switch),
    /// Per berofos: reachable?, relay mode and which XiVO has the lines, watchdog, scenario, HA settings.
    #[command(disable_help_flag = true)]
    Status(Switch),
    /// Find berofos on the network (UDP); -x merges them into the configuration file.
    #[command(disable_help_flag = true)]
    Scan(Scan),
    /// Set the network configuration of a berofos in flash mode.
    #[command(disable_help_flag = true)]
    Netconf(Netconf),
    /// Write a firmware file to a berofos in flash mode.
    #[command(disable_help_flag = true)]
    Flash {
        /// The firmware image (e.g. bnfos_v153.bin).
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Change one setting: set KEY=VALUE (see `keys`); `set apwd` asks for the password.
    #[command(disable_help_flag = true, after_help = crate::settings::keys_help())]
    Set {
        /// KEY=VALUE, like mode=1; `smtptest` and `apwd` take no value here.
        #[arg(value_name = "KEY=VALUE")]
        assignment: String,
        #[command(flatten)]
        target: Target,
    },
    /// Read one setting.
    #[command(disable_help_flag = true, after_help = crate::settings::keys_help())]
    Get {
        /// A setting name (see `keys`).
        #[arg(value_name = "KEY")]
        key: String,
        #[command(flatten)]
        target: Target,
    },
    /// Read every setting of a berofos.
    #[command(disable_help_flag = true)]
    Show(Target),
    /// Check that a berofos answers on UDP (both modes).
    #[command(disable_help_flag = true)]
    Ping(Target),
    /// Kick the watchdog of a berofos.
    #[command(disable_help_flag = true)]
    Kick(Target),
    /// Erase the settings and firmware of a berofos in flash mode.
    #[command(disable_help_flag = true)]
    Reset(Target),
    /// List the settings: name, type, access, meaning.
    #[command(disable_help_flag = true)]
    Keys,
    /// Apply and verify the HA settings: wdog=0 wdogdef=0 scenario=0 modedef=1; the relay (mode=1) only with --relay.
    #[command(disable_help_flag = true)]
    Setup(Setup),
    /// Monitoring plugin (Nagios, Icinga, Centreon): one status line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, performance data per berofos.
    #[command(
        disable_help_flag = true,
        after_help = CHECK_AFTER_HELP,
        long_about = CHECK_LONG_ABOUT
    )]
    Check(Check),
    /// The Pacemaker resource agent (ocf:xivo:berofos): meta-data, start, promote...
    #[command(disable_help_flag = true)]
    Ocf {
        /// The OCF action (else $__OCF_ACTION).
        action: Option<String>,
    },
    /// Write the man pages or a shell completion script (for packagers).
    #[command(hide = true, disable_help_flag = true)]
    Generate {
        /// `man DIR`, `completion SHELL` or `bnfos-completion SHELL`.
        what: String,
        /// The folder (man) or the shell (completions: bash, zsh, fish).
        arg: String,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct Switch {
    /// Only the berofos of these sections (default: every section).
    #[arg(short = 'f', value_name = "NAME")]
    pub sections: Vec<String>,
}

const CHECK_LONG_ABOUT: &str = "\
Monitoring plugin (Nagios, Icinga, Centreon; the Monitoring Plugins guidelines): reads every \
selected berofos at once and prints one status line with performance data per berofos: its \
answer time, its relay mode and, where a cluster runs the ocf:xivo:berofos resource on this \
configuration file, whether the relay matches the promoted node.";

const CHECK_AFTER_HELP: &str = "\
Exit status: 0 OK, 1 WARNING (an answer slower than -w, an HA setting off, no node promoted, the \
cluster's resource on another file), 2 CRITICAL (no answer, slower than -c, a relay on the other \
XiVO than the promoted node, a broken section), 3 UNKNOWN (bad usage, no configuration file).
Inside check, -c is the critical threshold: give the configuration file as --config FILE.
Example: xivo-berofos check --config /etc/bnfos-cluster.conf -w 0.5 -c 1";

#[derive(Args, Debug, Clone)]
pub struct Check {
    /// Only the berofos of these sections (default: every section).
    #[arg(short = 'f', value_name = "NAME")]
    pub sections: Vec<String>,
    /// WARNING when a berofos answers slower than this (seconds).
    #[arg(short = 'w', long = "warning", value_name = "SEC", default_value = "1", value_parser = parse_threshold)]
    pub warning: f64,
    /// CRITICAL when a berofos answers slower than this (seconds).
    #[arg(short = 'c', long = "critical", value_name = "SEC", default_value = "2", value_parser = parse_threshold)]
    pub critical: f64,
    /// Configuration file (here -c is the critical threshold). The same argument as the
    /// global --config: it only takes the short -c away inside check.
    #[arg(long = "config", id = "config", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
}

/// A threshold: plain seconds (the Monitoring Plugins' range syntax is not taken).
fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('s').parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!(
            "'{s}' is not a threshold in seconds between 0 and 3600 (ranges like 1:2 are not taken)"
        )),
    }
}

#[derive(Args, Debug, Clone)]
pub struct Scan {
    /// Ask only this address instead of broadcasting.
    #[arg(short = 'h', value_name = "HOST")]
    pub host: Option<String>,
    /// Merge what was found into the configuration file (known devices keep name, login, port).
    #[arg(short = 'x')]
    pub merge: bool,
    /// With -x: also move known berofos that have a login to the address they answered
    /// from (without it, they keep their host: anyone on the LAN can answer a scan).
    #[arg(long, requires = "merge")]
    pub update_hosts: bool,
}

#[derive(Args, Debug, Clone)]
pub struct Netconf {
    #[command(flatten)]
    pub which: Which,
    /// New IP address (default 0.0.0.0).
    #[arg(short = 'i', value_name = "IP")]
    pub ip: Option<std::net::Ipv4Addr>,
    /// Netmask (default: the address's class).
    #[arg(short = 'n', value_name = "MASK")]
    pub netmask: Option<std::net::Ipv4Addr>,
    /// Gateway (default 0.0.0.0).
    #[arg(short = 'g', value_name = "IP")]
    pub gateway: Option<std::net::Ipv4Addr>,
    /// Ethernet: 0 auto, 1 10 Mbit, 2 100 Mbit.
    #[arg(short = 'e', value_name = "0|1|2", default_value = "0", value_parser = clap::value_parser!(u8).range(0..=2))]
    pub phy: u8,
    /// DHCP: 1 on (default), 0 off.
    #[arg(short = 'd', value_name = "0|1", default_value = "1", value_parser = clap::value_parser!(u8).range(0..=1))]
    pub dhcp: u8,
    /// HTTP authentication: 1 on, 0 off (default).
    #[arg(short = 'a', value_name = "0|1", default_value = "0", value_parser = clap::value_parser!(u8).range(0..=1))]
    pub auth: u8,
    /// HTTP port (default 80).
    #[arg(short = 'p', value_name = "PORT", default_value = "80", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
}

impl Command {
    /// Writes to a berofos or to the configuration file (takes the lock; a signal must
    /// let it finish cleanly).
    pub fn changes_devices(&self) -> bool {
        match self {
            Command::Master(_)
            | Command::Slave(_)
            | Command::Netconf(_)
            | Command::Flash { .. }
            | Command::Set { .. }
            | Command::Reset(_)
            | Command::Setup(_) => true,
            Command::Scan(s) => s.merge,
            Command::Status(_)
            | Command::Get { .. }
            | Command::Show(_)
            | Command::Ping(_)
            | Command::Kick(_)
            | Command::Keys
            | Command::Check(_)
            | Command::Ocf { .. }
            | Command::Generate { .. } => false,
        }
    }
}

/// The subcommand `args` (without the program name) name: the first word that is not
/// a global option or its value. Read from the definition above, for what must be
/// known when parsing failed (`check` reports bad usage as UNKNOWN, exit 3).
pub fn subcommand_in(args: &[std::ffi::OsString]) -> Option<String> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let valued: Vec<&clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set() && a.get_action().takes_values())
        .collect();
    let mut words = args.iter().map(|a| a.to_string_lossy());
    while let Some(w) = words.next() {
        if w == "--" {
            return words.next().map(|w| w.into_owned());
        }
        if let Some(long) = w.strip_prefix("--") {
            if !long.contains('=') && valued.iter().any(|a| a.get_long() == Some(long)) {
                words.next();
            }
        } else if let Some(shorts) = w.strip_prefix('-').filter(|s| !s.is_empty()) {
            // A cluster of flags (-qv), maybe ending with an option and its value
            // (-c FILE, -cFILE, -qc FILE).
            let taking = shorts
                .char_indices()
                .find(|(_, c)| valued.iter().any(|a| a.get_short() == Some(*c)));
            if let Some((i, c)) = taking {
                if i + c.len_utf8() == shorts.len() {
                    words.next();
                }
            }
        } else {
            return Some(w.into_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn words(s: &str) -> Vec<std::ffi::OsString> {
        s.split_whitespace().map(Into::into).collect()
    }

    #[test]
    fn the_definition_holds() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_subcommand_past_the_global_options() {
        for (args, want) in [
            ("check -w 1", Some("check")),
            ("-c /etc/x check -c 1", Some("check")),
            ("-qc check status", Some("status")),
            ("-ccheck status", Some("status")),
            ("--config check -t 2 status", Some("status")),
            ("--config=x -q -t2 master", Some("master")),
            ("-q", None),
        ] {
            assert_eq!(subcommand_in(&words(args)).as_deref(), want, "{args}");
        }
    }

    #[test]
    fn inside_check_c_is_the_critical_threshold() {
        let cli = Cli::try_parse_from(words(
            "xivo-berofos -t 2 check -w 0.5 -c 1 --config /x -f fos1",
        ))
        .unwrap();
        assert_eq!(cli.config, PathBuf::from("/x"));
        let Command::Check(c) = cli.command else {
            panic!("{:?}", cli.command)
        };
        assert_eq!(
            (c.warning, c.critical, c.sections),
            (0.5, 1.0, vec!["fos1".to_string()])
        );
        let cli = Cli::try_parse_from(words("xivo-berofos -c /y check")).unwrap();
        assert_eq!(cli.config, PathBuf::from("/y"));
        let cli = Cli::try_parse_from(words("xivo-berofos check")).unwrap();
        assert_eq!(cli.config, PathBuf::from(crate::config::DEFAULT_PATH));
        let Command::Check(c) = cli.command else {
            panic!()
        };
        assert_eq!((c.warning, c.critical), (1.0, 2.0));
        assert!(Cli::try_parse_from(words("xivo-berofos check -w 1:2")).is_err());
        // Elsewhere -c is still the file.
        let cli = Cli::try_parse_from(words("xivo-berofos status -c /z")).unwrap();
        assert_eq!(cli.config, PathBuf::from("/z"));
    }
}
