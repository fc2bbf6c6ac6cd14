//! The admin commands: each takes the parsed command line and does one job, speaking
//! in devices, modes and settings; the layers below do the talking.

use crate::cli::{Cli, Command, Netconf, Scan, Switch, Target, Which};
use crate::config::{save_atomic, ConfigFile, Login};
use crate::device::{resolve_v4, Device};
use crate::error::{fold, Error, Problem, Result, Who};
use crate::gbl4::{self, Gbl4, NetConf, SetNetConf};
use crate::http::Http;
use crate::lock::Lock;
use crate::log;
use crate::relay::{self, Deadline, Mode};
use crate::select::{self, Broken, Selection, Selector};
use crate::settings::{self, Kind, SETTINGS};
use serde_json::json;
use std::io::IsTerminal;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long an admin command waits for the device lock (an agent action holds it at
/// most for its operation timeout).
const LOCK_WAIT: Duration = Duration::from_secs(30);
/// Environment variable with the HTTP password for `-u USER`.
pub const PASSWORD_ENV: &str = "XIVO_BEROFOS_PASSWORD";

pub struct Ctx<'a> {
    pub cli: &'a Cli,
    pub timeout: Duration,
}

impl Ctx<'_> {
    fn path(&self) -> &Path {
        &self.cli.config
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

    fn lock(&self) -> Result<Lock> {
        Lock::acquire(self.path(), Instant::now() + LOCK_WAIT)
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

    /// One device for a GBL4 command: where to send, and its MAC (learned with a unicast
    /// scan when only a host was given).
    fn gbl4_device(
        &self,
        sel: Selector,
    ) -> Result<(Device, Ipv4Addr, gbl4::Gbl4, crate::mac::Mac)> {
        let cfg = self.load()?;
        let mut d = sel.one(cfg.as_ref(), self.path())?;
        let udp = Gbl4::new(self.timeout);
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
        Ok((d, dest, udp, mac))
    }

    fn print_json(&self, v: serde_json::Value) {
        crate::outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
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

pub fn run(cli: &Cli) -> Result<()> {
    let ctx = Ctx {
        cli,
        timeout: Duration::from_secs_f64(cli.timeout),
    };
    match &cli.command {
        Command::Master(sw) => switch(&ctx, sw, Mode::Master),
        Command::Slave(sw) => switch(&ctx, sw, Mode::Slave),
        Command::Status(sw) => status(&ctx, sw),
        Command::Scan(s) => scan(&ctx, s),
        Command::Netconf(n) => netconf(&ctx, n),
        Command::Flash { file, target } => flash(&ctx, file, target),
        Command::Set { assignment, target } => set(&ctx, assignment, target),
        Command::Get { key, target } => get(&ctx, key, target),
        Command::Show(t) => show(&ctx, t),
        Command::Ping(t) => ping_or_kick(&ctx, t, false),
        Command::Kick(t) => ping_or_kick(&ctx, t, true),
        Command::Reset(t) => reset(&ctx, t),
        Command::Keys => {
            keys(&ctx);
            Ok(())
        }
        Command::Setup(t) => setup(&ctx, t),
        Command::Ocf { .. } | Command::Generate { .. } => unreachable!("dispatched by main"),
    }
}

/// `master` / `slave`: the seed's command.
fn switch(ctx: &Ctx, sw: &Switch, mode: Mode) -> Result<()> {
    let cfg = ctx.load()?;
    let Some(Selection { devices, broken }) = ctx.select(cfg.as_ref(), &sw.sections)? else {
        log::info(crate::config::NOT_CONFIGURED);
        return Ok(());
    };
    let mut errors: Vec<Error> = broken.iter().map(Broken::error).collect();
    for e in &errors {
        log::error(&e.to_string());
    }
    if !devices.is_empty() {
        let lock = std::sync::Arc::new(ctx.lock()?);
        let deadline = Deadline::after(ctx.timeout + Duration::from_millis(500));
        let results = relay::switch_all(
            &ctx.http()?,
            &devices,
            mode,
            ctx.timeout,
            deadline,
            false,
            &lock,
        );
        errors.extend(results.into_iter().filter_map(|r| r.err()));
    }
    fold(errors)
}

/// The HA settings of one berofos that differ from the seed's recommendation.
fn ha_issues(cfg: &settings::ConfigTxt) -> Vec<String> {
    settings::HA_SETTINGS
        .iter()
        .filter(|(name, _)| *name != "mode")
        .filter_map(|(name, want)| {
            let s = settings::lookup(name).ok()?;
            let got = s
                .read(cfg)
                .map(|v| v.into_owned())
                .unwrap_or_else(|| "?".into());
            (got != *want).then(|| format!("{name}={got} (want {want})"))
        })
        .collect()
}

fn status(ctx: &Ctx, sw: &Switch) -> Result<()> {
    let cfg = ctx.load()?;
    let Some(Selection { devices, broken }) = ctx.select(cfg.as_ref(), &sw.sections)? else {
        if ctx.cli.json {
            ctx.print_json(json!({"configured": false, "devices": []}));
        } else {
            crate::outln!(
                "berofos is not configured ({} does not exist)",
                ctx.path().display()
            );
        }
        return Ok(());
    };
    let deadline = Deadline::after(ctx.timeout + Duration::from_millis(500));
    let results = relay::read_all(&ctx.http()?, &devices, ctx.timeout, deadline);
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    for (d, r) in devices.iter().zip(results) {
        let row = match r {
            Ok(ref c) => {
                let get = |n: &str| {
                    settings::lookup(n)
                        .ok()
                        .and_then(|s| s.read(c))
                        .map(|v| v.into_owned())
                };
                let mode = get("mode").as_deref().and_then(Mode::from_bit);
                let issues = ha_issues(c);
                if !ctx.cli.json {
                    let relay = mode.map_or("relay mode unknown".to_string(), |m| {
                        format!("relay {}: {}", m.describe(), m.holder())
                    });
                    let scenario = match get("scenario").as_deref() {
                        Some("0") => "fallback",
                        Some("1") => "bypass",
                        _ => "unknown",
                    };
                    let wdog = match get("wdog").as_deref() {
                        Some("0") => "off",
                        Some("1") => "on",
                        _ => "unknown",
                    };
                    let ha = if issues.is_empty() {
                        "HA settings ok".to_string()
                    } else {
                        format!(
                            "HA settings differ: {} – fix with: xivo-berofos setup {}",
                            issues.join(", "),
                            d.sel()
                        )
                    };
                    crate::outln!(
                        "{}: {relay}; scenario {scenario}; watchdog {wdog}; {ha}",
                        d.label()
                    );
                }
                json!({
                    "name": d.name, "host": d.host, "port": d.port, "reachable": true,
                    "mode": mode.map(Mode::number),
                    "lines": mode.map(|m| match m { Mode::Master => "master", Mode::Slave => "slave" }),
                    "scenario": get("scenario"), "wdog": get("wdog"), "wdogdef": get("wdogdef"),
                    "modedef": get("modedef"), "ha_issues": issues, "error": null,
                })
            }
            Err(e) => {
                if !ctx.cli.json {
                    let why = match &e {
                        Error::Device { who, problem } => problem.describe(&who.sel),
                        other => other.to_string(),
                    };
                    crate::outln!("{}: unreachable – {why}", d.label());
                }
                let row = json!({"name": d.name, "host": d.host, "port": d.port, "reachable": false, "error": e.to_string()});
                unreadable.push(e);
                row
            }
        };
        rows.push(row);
    }
    let mut errors = Vec::new();
    for b in &broken {
        let e = b.error();
        if !ctx.cli.json {
            crate::outln!("{e}");
        }
        rows.push(json!({"name": b.section(), "reachable": false, "error": e.to_string()}));
        errors.push(e);
    }
    if ctx.cli.json {
        ctx.print_json(json!({"configured": true, "devices": rows}));
    }
    if errors
        .iter()
        .any(|e| e.exit_code() == crate::error::EXIT_CONFIG)
    {
        return Err(Error::Config(format!(
            "some sections of {} are broken (see above)",
            ctx.path().display()
        )));
    }
    // Each unreadable berofos again on stderr, with its name, host and what to do.
    unreadable.extend(errors);
    fold(unreadable)
}

fn netconf_json(n: &NetConf) -> serde_json::Value {
    json!({
        "mac": n.mac.to_string(), "ip": n.ip.to_string(), "netmask": n.netmask.to_string(),
        "gateway": n.gateway.to_string(), "http_port": n.http_port,
        "firmware": format!("{}.{}", n.firmware.0, n.firmware.1),
        "bootloader": format!("{}.{}", n.bootloader.0, n.bootloader.1),
        "flash_mode": n.flash_mode, "dhcp": n.dhcp(), "auth": n.auth(), "link": n.link(),
    })
}

fn scan(ctx: &Ctx, s: &Scan) -> Result<()> {
    let (dest, label) = match &s.host {
        Some(h) => (
            resolve_v4(h).map_err(|p| Error::Usage(p.describe("")))?,
            // Name the section too when the configuration knows this host (read
            // silently: a scan must work whatever state the file is in).
            match ConfigFile::load(ctx.path())
                .ok()
                .flatten()
                .and_then(|c| c.sections.into_iter().find(|x| x.host.as_ref() == Some(h)))
            {
                Some(known) => format!("{}, {h}", known.name),
                None => h.clone(),
            },
        ),
        None => (Ipv4Addr::BROADCAST, "broadcast".to_string()),
    };
    let udp = Gbl4::new(ctx.timeout);
    let fail = |p: Problem| Error::Device {
        who: Box::new(Who {
            at: Some(format!("scan ({label}, UDP port {})", udp.port)),
            ..Who::default()
        }),
        problem: p,
    };
    let interrupted = || {
        Error::System(format!(
            "scan ({label}) interrupted by a signal – {} was left as it was; run the scan again",
            ctx.path().display()
        ))
    };
    let found = match udp.scan(dest) {
        Err(Problem::Cancelled(_)) => return Err(interrupted()),
        // No route for the broadcast (no network interface up): the XiVO
        // documentation's next step is to name the berofos.
        Err(Problem::Network(e)) if s.host.is_none() => {
            return Err(fail(Problem::Rejected(format!(
                "the broadcast could not be sent ({e}) – ask the berofos at its address: scan -h <berofos ip>{}",
                if s.merge { " -x" } else { "" }
            ))))
        }
        r => r.map_err(fail)?,
    };
    if crate::signals::cancelled() {
        return Err(interrupted());
    }
    if ctx.cli.json && !s.merge {
        ctx.print_json(json!(found.iter().map(netconf_json).collect::<Vec<_>>()));
    } else if !ctx.cli.quiet {
        for n in &found {
            crate::outln!(
                "{}  {:<15} mask {:<15} gw {:<15} port {:<5} firmware {}.{} {} dhcp {} {}",
                n.mac,
                n.ip,
                n.netmask,
                n.gateway,
                n.http_port,
                n.firmware.0,
                n.firmware.1,
                if n.flash_mode {
                    "FLASH MODE"
                } else {
                    "operational"
                },
                if n.dhcp() { "on" } else { "off" },
                n.link()
            );
        }
    }
    if found.is_empty() {
        let hint = if s.host.is_some() {
            ""
        } else {
            "; try scan -h <berofos ip>"
        };
        let left = if s.merge {
            format!("; {} was left as it was", ctx.path().display())
        } else {
            String::new()
        };
        return Err(Error::Device {
            who: Box::new(Who {
                at: Some(format!("scan ({label})")),
                ..Who::default()
            }),
            problem: Problem::Rejected(format!(
                "no berofos answered within {} s – is it powered and on this network{hint}{left}",
                ctx.timeout.as_secs_f64()
            )),
        });
    }
    if !s.merge {
        return Ok(());
    }
    let list: Vec<_> = found.iter().map(|n| (n.mac, n.ip, n.http_port)).collect();
    // Host names in the file are resolved first, without the lock: a resolver has no
    // time limit, and a promotion must never wait behind DNS. (A name added by another
    // writer in between does not resolve: its host becomes the scanned address.)
    let resolved: Vec<(String, Option<Ipv4Addr>)> = ConfigFile::load(ctx.path())
        .ok()
        .flatten()
        .map(|c| c.host_names(&list))
        .unwrap_or_default()
        .into_iter()
        .map(|h| {
            let ip = resolve_v4(&h).ok();
            (h, ip)
        })
        .collect();
    if crate::signals::cancelled() {
        return Err(interrupted());
    }
    // Read, merge and write under the lock: concurrent scans never lose each other's work.
    let _lock = ctx.lock()?;
    let cfg = ctx
        .load()?
        .unwrap_or_else(|| ConfigFile::parse(ctx.path(), ""));
    let (text, changes) = cfg.merge_with(&list, |h| {
        resolved
            .iter()
            .find(|(n, _)| n == h)
            .and_then(|(_, ip)| *ip)
    });
    if crate::signals::cancelled() {
        return Err(interrupted());
    }
    save_atomic(ctx.path(), &text)?;
    for c in &changes {
        log::info(&format!("{}: {c}", ctx.path().display()));
    }
    if ctx.cli.json {
        ctx.print_json(json!({"file": ctx.path(), "changes": changes, "devices": found.iter().map(netconf_json).collect::<Vec<_>>()}));
    }
    Ok(())
}

/// Checks a device is in the mode a command needs (flash or operational).
fn need_mode(
    d: &Device,
    udp: &Gbl4,
    dest: Ipv4Addr,
    mac: crate::mac::Mac,
    flash: bool,
) -> Result<NetConf> {
    let n = udp.find(dest, mac).map_err(|p| d.fail(p))?;
    if n.flash_mode != flash {
        return Err(d.fail(Problem::WrongMode {
            flash: n.flash_mode,
        }));
    }
    Ok(n)
}

fn netconf(ctx: &Ctx, a: &Netconf) -> Result<()> {
    let (d, dest, udp, mac) = ctx.gbl4_device(selector_of(&a.which))?;
    let ip = a.ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
    let conf = SetNetConf {
        mac,
        ip,
        netmask: a.netmask.unwrap_or_else(|| gbl4::classful_netmask(ip)),
        gateway: a.gateway.unwrap_or(Ipv4Addr::UNSPECIFIED),
        phy_conf: gbl4::phy_conf_from_user(a.phy).unwrap_or(3),
        options: if a.dhcp == 1 { gbl4::OPT_DHCP } else { 0 }
            | if a.auth == 1 { gbl4::OPT_AUTH } else { 0 },
        http_port: a.port,
    };
    let _lock = ctx.lock()?;
    need_mode(&d, &udp, dest, mac, true)?;
    udp.set_netconf(dest, &conf).map_err(|p| d.fail(p))?;
    log::info(&format!(
        "{}: network configuration sent: ip {} netmask {} gateway {} dhcp {} port {} – reboot the berofos to apply it{}",
        d.label(),
        conf.ip,
        conf.netmask,
        conf.gateway,
        if a.dhcp == 1 { "on" } else { "off" },
        conf.http_port,
        match &d.name {
            Some(n) if !ip.is_unspecified() && d.host.as_deref() != Some(&ip.to_string()) => {
                format!(", then set host = {ip} in [{n}] of {}", ctx.path().display())
            }
            _ => String::new(),
        }
    ));
    Ok(())
}

fn flash(ctx: &Ctx, file: &Path, t: &Target) -> Result<()> {
    let data = std::fs::read(file).map_err(|e| {
        Error::Usage(format!(
            "cannot read the firmware file {}: {e}",
            file.display()
        ))
    })?;
    if data.is_empty() {
        return Err(Error::Usage(format!(
            "the firmware file {} is empty – download it again",
            file.display()
        )));
    }
    if data.len() > usize::from(u16::MAX) * gbl4::PAGE {
        return Err(Error::Usage(format!(
            "the firmware file {} is too large for a berofos",
            file.display()
        )));
    }
    let fw = gbl4::Firmware::from_bytes(&data);
    let (d, dest, udp, mac) = ctx.gbl4_device(ctx.selector(t)?)?;
    let _lock = ctx.lock()?;
    need_mode(&d, &udp, dest, mac, true)?;
    log::info(&format!(
        "{}: flashing {} ({} pages)",
        d.label(),
        file.display(),
        fw.pages.len()
    ));
    let bar = if std::io::stderr().is_terminal() && !ctx.cli.quiet {
        let b = indicatif::ProgressBar::new(fw.pages.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} pages ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(d.label());
        Some(b)
    } else {
        None
    };
    let r = udp.flash(
        dest,
        mac,
        &fw,
        |n| {
            if let Some(b) = &bar {
                b.set_position(n as u64)
            }
        },
        &crate::signals::cancelled,
    );
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    r.map_err(|p| d.fail(p))?;
    log::info(&format!(
        "{}: firmware written – power-cycle the berofos in operational mode",
        d.label()
    ));
    Ok(())
}

fn set(ctx: &Ctx, assignment: &str, t: &Target) -> Result<()> {
    let (key, value) = match assignment.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (assignment, None),
    };
    let setting = settings::lookup(key)?;
    let value = match (value, setting.kind) {
        (Some(v), Kind::Password) => {
            log::warn("a password on the command line is visible to other users (ps); `set apwd` without a value asks for it");
            v.to_string()
        }
        (Some(v), _) => v.to_string(),
        (None, Kind::Action) => String::new(),
        (None, Kind::Password) => {
            let p = read_secret("new admin password: ")?;
            if std::io::stdin().is_terminal() && read_secret("again: ")? != p {
                return Err(Error::Usage(
                    "the two passwords differ – nothing was changed".into(),
                ));
            }
            p
        }
        (None, _) => {
            return Err(Error::Usage(format!(
                "set needs KEY=VALUE, like {}=1; {} takes {}",
                setting.name,
                setting.name,
                setting.kind.describe()
            )))
        }
    };
    let checked = setting.check_value(&value)?;
    let d = ctx.device(t)?;
    let ep = d.endpoint()?;
    let _lock = ctx.lock()?;
    ctx.http()?
        .write(&ep, &setting.query(&checked), ctx.timeout)
        .map_err(|p| d.fail(p))?;
    match setting.kind {
        Kind::Password => {
            log::info(&format!(
            "{}: admin password changed – put login = admin:<password> in {} of {} before pwd=1",
            d.label(),
            d.name.as_deref().map_or("its section".to_string(), |n| format!("[{n}]")),
            ctx.path().display()
        ))
        }
        Kind::Action => log::info(&format!("{}: {} done", d.label(), setting.name)),
        _ => log::info(&format!("{}: {} set to {checked}", d.label(), setting.name)),
    }
    if setting.name == "pwd" && checked == "1" && d.login.is_none() {
        log::warn(&format!(
            "{} now asks for a password but its section has no login: add login = admin:<password>, or the HA switching will fail",
            d.label()
        ));
    }
    Ok(())
}

fn read_one(ctx: &Ctx, t: &Target) -> Result<(Device, settings::ConfigTxt)> {
    let d = ctx.device(t)?;
    let cfg = relay::read(
        &ctx.http()?,
        &d,
        ctx.timeout,
        Deadline::after(ctx.timeout * 2),
    )?;
    Ok((d, cfg))
}

fn get(ctx: &Ctx, key: &str, t: &Target) -> Result<()> {
    let setting = settings::lookup(key)?;
    if !setting.readable() {
        return Err(Error::Usage(format!(
            "'{}' is set only and cannot be read back; readable settings: {}",
            setting.name,
            SETTINGS
                .iter()
                .filter(|s| s.readable())
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let (d, cfg) = read_one(ctx, t)?;
    let value = setting.read(&cfg).ok_or_else(|| {
        d.fail(Problem::BadAnswer(format!(
            "the berofos did not report {} ({})",
            setting.name,
            setting.key.unwrap_or("")
        )))
    })?;
    if ctx.cli.json {
        ctx.print_json(json!({"device": d.label(), "name": setting.name, "value": value}));
    } else {
        crate::outln!("{value}");
    }
    Ok(())
}

fn show(ctx: &Ctx, t: &Target) -> Result<()> {
    let (d, cfg) = read_one(ctx, t)?;
    let all = cfg.all();
    if ctx.cli.json {
        let map: serde_json::Map<_, _> = all
            .iter()
            .map(|(s, v)| (s.name.to_string(), json!(v)))
            .collect();
        ctx.print_json(json!({"device": d.label(), "settings": map}));
    } else {
        crate::outln!("{}:", d.label());
        for (s, v) in all {
            crate::outln!(
                "  {:<10} {:<16} {}",
                s.name,
                v.as_deref().unwrap_or("(not reported)"),
                s.help
            );
        }
    }
    Ok(())
}

fn ping_or_kick(ctx: &Ctx, t: &Target, kick: bool) -> Result<()> {
    let (d, dest, udp, mac) = ctx.gbl4_device(ctx.selector(t)?)?;
    let start = Instant::now();
    if kick {
        udp.kick(dest, mac).map_err(|p| d.fail(p))?;
    } else {
        udp.ping(dest, mac).map_err(|p| d.fail(p))?;
    }
    let what = if kick { "watchdog kicked" } else { "answered" };
    crate::outln!(
        "{}: {what} in {:.1} ms",
        d.label(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

fn reset(ctx: &Ctx, t: &Target) -> Result<()> {
    let (d, dest, udp, mac) = ctx.gbl4_device(ctx.selector(t)?)?;
    let _lock = ctx.lock()?;
    need_mode(&d, &udp, dest, mac, true)?;
    udp.reset(dest, mac).map_err(|p| d.fail(p))?;
    log::info(&format!(
        "{}: settings and firmware erased – flash a firmware before operational use",
        d.label()
    ));
    Ok(())
}

fn keys(ctx: &Ctx) {
    if ctx.cli.json {
        let rows: Vec<_> = SETTINGS
            .iter()
            .map(|s| json!({"name": s.name, "type": s.kind.describe(), "readable": s.readable(), "writable": s.writable(), "help": s.help}))
            .collect();
        ctx.print_json(json!(rows));
    } else {
        crate::out!("{}", settings::keys_help());
    }
}

/// `setup`: the five HA settings of the seed, then one read-back to prove them.
fn setup(ctx: &Ctx, t: &Target) -> Result<()> {
    let d = ctx.device(t)?;
    let ep = d.endpoint()?;
    let http = ctx.http()?;
    let _lock = ctx.lock()?;
    for (name, value) in settings::HA_SETTINGS {
        if crate::signals::cancelled() {
            return Err(d.fail(Problem::Cancelled(format!(
                "interrupted by a signal before {name} was set – run xivo-berofos setup {} again",
                d.sel()
            ))));
        }
        let s = settings::lookup(name)?;
        http.write(&ep, &s.query(value), ctx.timeout)
            .map_err(|p| d.fail(p))?;
        log::info(&format!("{}: {name} set to {value}", d.label()));
    }
    let cfg = relay::read(&http, &d, ctx.timeout, Deadline::after(ctx.timeout * 2))?;
    let mut wrong = Vec::new();
    for (name, want) in settings::HA_SETTINGS {
        let got = settings::lookup(name)?
            .read(&cfg)
            .map(|v| v.into_owned())
            .unwrap_or_else(|| "?".into());
        if got != *want {
            wrong.push(d.fail(Problem::NotApplied {
                setting: name.to_string(),
                want: want.to_string(),
                got,
            }));
        }
    }
    fold(wrong)?;
    log::info(&format!(
        "{}: ready for XiVO HA (watchdog off, fallback scenario, relay and power-up mode 1 (A--B))",
        d.label()
    ));
    Ok(())
}
