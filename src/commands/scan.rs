//! `scan [-h HOST] [-x]`: find berofos over UDP; `-x` merges them into the
//! configuration file, under the lock, atomically.

use super::values::{Merged, Output, ScanReport as Report};
use super::Ctx;
use crate::cli::Scan;
use crate::config::{save_atomic, ConfigFile, Moves};
use crate::device::resolve_v4;
use crate::error::{Error, Problem, Result, Who};
use crate::gbl4::{Gbl4, NetConf};
use crate::log;
use std::net::Ipv4Addr;

pub fn run(ctx: &Ctx, s: &Scan) -> Result<Output> {
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
    let udp = Gbl4::new(ctx.timeout, ctx.cancel);
    let who = |at: String| {
        Box::new(Who {
            at: Some(at),
            ..Who::default()
        })
    };
    let fail = |p: Problem| Error::Device {
        who: who(format!("scan ({label}, UDP port {})", udp.port)),
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
    if ctx.cancel.is_set() {
        return Err(interrupted());
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
        let e = Error::Device {
            who: who(format!("scan ({label})")),
            problem: Problem::Rejected(format!(
                "no berofos answered within {} s – is it powered and on this network{hint}{left}",
                ctx.timeout.as_secs_f64()
            )),
        };
        let report = Report {
            found,
            merged: None,
        };
        return Ok(Output::Scan(report).failing(Some(e)));
    }
    if !s.merge {
        return Ok(Output::Scan(Report {
            found,
            merged: None,
        }));
    }
    let moves = if s.update_hosts {
        Moves::All
    } else {
        Moves::KeepLoggedIn
    };
    let changes = merge(ctx, &found, moves, interrupted)?;
    Ok(Output::Scan(Report {
        found,
        merged: Some(Merged {
            file: ctx.path().to_path_buf(),
            changes,
        }),
    }))
}

/// Merges what was found into the file (docs/protocol.md §3); returns the changes.
fn merge(
    ctx: &Ctx,
    found: &[NetConf],
    moves: Moves,
    interrupted: impl Fn() -> Error,
) -> Result<Vec<String>> {
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
    if ctx.cancel.is_set() {
        return Err(interrupted());
    }
    // Read, merge and write under the lock: concurrent scans never lose each other's work.
    let _lock = ctx.lock()?;
    let cfg = ctx
        .load()?
        .unwrap_or_else(|| ConfigFile::parse(ctx.path(), ""));
    let (text, changes) = cfg.merge_with(
        &list,
        |h| {
            resolved
                .iter()
                .find(|(n, _)| n == h)
                .and_then(|(_, ip)| *ip)
        },
        moves,
    );
    if ctx.cancel.is_set() {
        return Err(interrupted());
    }
    save_atomic(ctx.path(), &text)?;
    for c in &changes {
        log::info(&format!("{}: {c}", ctx.path().display()));
    }
    for n in found
        .iter()
        .filter(|n| n.http_port != crate::config::DEFAULT_HTTP_PORT)
    {
        log::warn(&format!(
            "{}: the berofos {} answers HTTP on port {}, so its section has a port = line: xivo-berofos reads it, but the vendor's bnfos stops reading the file at that line",
            ctx.path().display(),
            n.mac,
            n.http_port
        ));
    }
    Ok(changes)
}
