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
            | Command::Ocf { .. }
            | Command::Generate { .. } => false,
        }
    }
}
