//! The admin commands, one file each (as mini-redis's `cmd/`): each takes its part of
//! the command line and a [`Ctx`], does one job in devices, modes and settings, and
//! returns an [`Output`] that [`output`] renders for a person or as JSON. Nothing
//! here prints; the layers below do the talking.
//!
//! # Layout
//! - [`switch`]: `master`, `slave` – the relay of every selected berofos.
//! - [`check`]: the monitoring plugin (its own line and exit status, not [`output`]).
//! - [`status`]: per berofos, who has the lines and the HA settings that differ.
//! - [`scan`]: find berofos over UDP, `-x` merges them into the file.
//! - [`netconf`], [`flash`], [`reset`], [`ping`] (and `kick`): the UDP face.
//! - [`set`], [`get`], [`show`], [`setup`]: settings over HTTP; [`keys`]: the table.
//! - [`output`]: the one place that prints.

pub mod check;
pub mod flash;
pub mod get;
pub mod keys;
pub mod netconf;
pub mod output;
pub mod ping;
pub mod reset;
pub mod scan;
pub mod set;
pub mod setup;
pub mod show;
pub mod status;
pub mod switch;
pub mod values;

use crate::cli::{Cli, Command, Target, Which};
use crate::config::{ConfigFile, Login};
use crate::device::{resolve_v4, Device};
use crate::error::{Error, Problem, Result};
use crate::gbl4::{Gbl4, NetConf};
use crate::http::Http;
use crate::lock::{Lock, Purpose};
use crate::log;
use crate::mac::Mac;
use crate::relay::Mode;
use crate::select::{self, Selection, Selector};
use crate::signals::Cancel;
use output::Style;
use std::io::IsTerminal;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};
pub use values::Output;

/// How long an admin command waits for the device lock (an agent action holds it at
/// most for its operation timeout).
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(30);
/// Environment variable with the HTTP password for `-u USER`.
pub const PASSWORD_ENV: &str = "XIVO_BEROFOS_PASSWORD";

/// What every command gets: the configuration file and the time it may wait for one
/// answer.
pub struct Ctx<'a> {
    pub config: &'a Path,
    pub timeout: Duration,
    /// `-q`: what a command reports on stdout is left out where it is only a report.
    pub quiet: bool,
    /// Set by SIGTERM or SIGINT (for the commands that change something).
    pub cancel: Cancel,
}

impl Ctx<'_> {
    fn path(&self) -> &Path {
        self.config
    }

    /// Loads the configuration, printing its warnings.
    fn load(&self) -> Result<Option<ConfigFile>> {
        let cfg = ConfigFile::load(self.path())?;
        if let Some(c) = &cfg {
            for w in &c.warnings {
                log::warn(w);
            }
            if let Some(w) = c.exposed_login() {
                log::warn(&w);
            }
        }
        Ok(cfg)
    }

    fn http(&self) -> Result<Http> {
        Http::new().map_err(|p| Error::System(p.describe("")))
    }

    /// The lock of the configuration file (`scan -x` rewrites it).
    fn lock(&self) -> Result<Lock> {
        Lock::acquire(self.path(), Instant::now() + LOCK_WAIT, self.cancel)
    }

    /// The lock of one berofos, for `purpose` (see [`crate::lock`]).
    fn device_lock(&self, d: &Device, purpose: Purpose) -> Result<Lock> {
        d.lock(purpose, Instant::now() + LOCK_WAIT, self.cancel)
    }

    /// The berofos of the chosen sections (every section by default): see
    /// [`crate::select`]. `Ok(None)`: not configured.
    fn select(&self, cfg: Option<&ConfigFile>, names: &[String]) -> Result<Option<Selection>> {
        Ok(select::select(self.path(), cfg, names)?)
    }

    fn selector(&self, t: &Target) -> Result<Selector> {
        Ok(Selector {
            port: t.port,
            login: t.login.as_deref().map(login_from_arg).transpose()?,
            ..selector_of(&t.which)
        })
    }

    /// One device for an HTTP command.
    fn device(&self, t: &Target) -> Result<Device> {
        let cfg = self.load()?;
        self.selector(t)?.one(cfg.as_ref(), self.path())
    }

    /// One device for a UDP command: where to send, and its MAC (learned with a
    /// unicast scan when only a host was given).
    fn gbl4_device(&self, sel: Selector) -> Result<Udp> {
        let cfg = self.load()?;
        let mut d = sel.one(cfg.as_ref(), self.path())?;
        let udp = Gbl4::new(self.timeout, self.cancel);
        if d.mac.is_none() && d.host.is_some() {
            let host = d.host.clone().unwrap_or_default();
            let dest = resolve_v4(&host).map_err(|p| d.fail(p))?;
            let found = udp.scan(dest).map_err(|p| d.fail(p))?;
            let first = found
                .into_iter()
                .next()
                .ok_or_else(|| d.fail(Problem::NoAnswer(self.timeout)))?;
            d.mac = Some(first.mac);
        }
        let (dest, mac) = d.gbl4_target()?;
        Ok(Udp {
            device: d,
            dest,
            udp,
            mac,
        })
    }
}

/// A berofos reached over UDP.
struct Udp {
    device: Device,
    dest: Ipv4Addr,
    udp: Gbl4,
    mac: Mac,
}

impl Udp {
    /// Checks the berofos is in the mode a command needs (flash or operational).
    fn need_mode(&self, flash: bool) -> Result<NetConf> {
        let d = &self.device;
        let n = self.udp.find(self.dest, self.mac).map_err(|p| d.fail(p))?;
        if n.flash_mode != flash {
            return Err(d.fail(Problem::WrongMode {
                flash: n.flash_mode,
            }));
        }
        Ok(n)
    }
}

/// The berofos named by `-f`, `-m` or `-h`, without HTTP details.
fn selector_of(w: &Which) -> Selector {
    Selector {
        section: w.section.clone(),
        mac: w.mac,
        host: w.host.clone(),
        ..Default::default()
    }
}

/// `-u USER[:PASS]`: a password on the command line works (vendor habit) but is
/// visible to every user through `ps`; `-u USER` takes it from the environment or asks.
fn login_from_arg(arg: &str) -> Result<Login> {
    if let Some(l) = Login::parse(arg) {
        log::warn(&format!(
            "a password on the command line is visible to other users (ps); prefer login = in the configuration, or -u USER with ${PASSWORD_ENV}"
        ));
        return Ok(l);
    }
    if arg.is_empty() {
        return Err(Error::Usage("-u needs a user name".into()));
    }
    let password = match std::env::var(PASSWORD_ENV) {
        Ok(p) => p,
        Err(_) => read_secret(&format!("HTTP password for {arg}: "))?,
    };
    Ok(Login {
        user: arg.to_string(),
        password,
    })
}

/// Reads a secret from the terminal without echo, or one line of stdin when it is not
/// a terminal.
fn read_secret(prompt: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| Error::Usage(format!("cannot read the password: {e}")))
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Error::Usage(format!("cannot read the password from stdin: {e}")))?;
        let p = line.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            return Err(Error::Usage("no password given on stdin".into()));
        }
        Ok(p)
    }
}

/// Runs the admin command of `cli`, prints what it has to show, and returns how it
/// ended. `cancel`: what a signal sets (see [`crate::signals`]).
pub fn run(cli: &Cli, cancel: Cancel) -> Result<()> {
    let ctx = Ctx {
        config: &cli.config,
        timeout: Duration::from_secs_f64(cli.timeout),
        quiet: cli.quiet,
        cancel,
    };
    let out = match &cli.command {
        Command::Master(sw) => switch::run(&ctx, sw, Mode::Master),
        Command::Slave(sw) => switch::run(&ctx, sw, Mode::Slave),
        Command::Status(sw) => status::run(&ctx, sw),
        Command::Scan(s) => scan::run(&ctx, s),
        Command::Netconf(n) => netconf::run(&ctx, n),
        Command::Flash { file, target } => flash::run(&ctx, file, target),
        Command::Set { assignment, target } => set::run(&ctx, assignment, target),
        Command::Get { key, target } => get::run(&ctx, key, target),
        Command::Show(t) => show::run(&ctx, t),
        Command::Ping(t) => ping::run(&ctx, t, false),
        Command::Kick(t) => ping::run(&ctx, t, true),
        Command::Reset(t) => reset::run(&ctx, t),
        Command::Keys => Ok(keys::run()),
        Command::Setup(s) => setup::run(&ctx, s),
        Command::Check(_) | Command::Ocf { .. } | Command::Generate { .. } => {
            unreachable!("dispatched by main")
        }
    }?;
    let (text, failure) = output::render(
        out,
        Style {
            json: cli.json,
            quiet: cli.quiet,
        },
    );
    if let Some(text) = text {
        crate::out!("{text}");
    }
    failure.map_or(Ok(()), Err)
}
