//! The fault matrix: every simulator fault × every command → exit code and the first
//! line of the message. Asserts each cell's exit code, and that every failure names the
//! device (section and host) and says what to do.
//!
//! `FAULT_MATRIX_WRITE=1 cargo test --test fault_matrix` (or `scripts/fault-matrix`)
//! also rewrites docs/faults.md from the run.
//!
//! Adding a command or an agent action is one line in [`rows`]; adding a fault is one
//! line in [`FAULTS`] and one arm in [`harmless`].

mod common;
use common::*;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

/// What a command needs from the device, which decides which faults it survives.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// HTTP writes only (no config.txt read): set.
    HttpWrite,
    /// Reads config.txt (maybe after writes): master, slave (read back), status, get,
    /// show, setup, promote, monitor.
    HttpRead,
    /// GBL4, either mode: scan, ping, kick.
    Gbl4Any,
    /// GBL4 in flash mode: netconf, flash, reset.
    Gbl4Flash,
}

/// A column: the simulator fault of the device, as `--fault` spells it. `MODE` is
/// replaced by `+flash` when the command needs flash mode (so that the column tests its
/// fault, not the mode), except in the two mode columns.
const FAULTS: &[(&str, &str)] = &[
    ("dead", "dead"),
    ("hang", "hang"),
    ("slow", "slow:100"),
    ("http500", "http500"),
    ("deny", "deny"),
    ("garbage", "garbage"),
    ("crlf", "crlf"),
    ("udp-drop", "udp-drop:1"),
    ("flash mode", "flash"),
    ("operational", "none"),
];

/// Does a device with `fault` still let a command of `kind` succeed?
fn harmless(fault: &str, kind: Kind) -> bool {
    use Kind::*;
    match fault {
        "dead" | "hang" => false,
        // 100 ms per answer, well within -t 0.5.
        "slow" | "crlf" => true,
        "http500" | "deny" => matches!(kind, Gbl4Any | Gbl4Flash),
        // Only config.txt is garbled; a write succeeds on any 2xx.
        "garbage" => kind != HttpRead,
        // One lost datagram: with -t 0.5 a GBL4 request is not sent again (only after the
        // vendor's 3 s wait, docs/protocol.md §2), so it fails as the vendor's would;
        // HTTP does not use UDP.
        "udp-drop" => !matches!(kind, Gbl4Any | Gbl4Flash),
        "flash mode" => matches!(kind, Gbl4Any | Gbl4Flash),
        "operational" => kind != Gbl4Flash,
        other => panic!("no rule for fault {other}"),
    }
}

/// A row: a command or an agent action.
struct Row {
    name: &'static str,
    kind: Kind,
    /// Exit codes for success and failure (admin: 0/1; the agent's differ).
    ok: i32,
    fail: i32,
    /// The process to run against the simulator.
    cmd: fn(&Sim) -> Command,
}

fn admin(args: &'static [&'static str]) -> impl Fn(&Sim) -> Command {
    move |sim: &Sim| {
        let mut c = sim.std_cmd();
        c.args(["-q", "-t", "0.5"]).args(args);
        c
    }
}

/// The agent, as Pacemaker runs it: this node is master_node (relay mode 1), the
/// instance already in `state`, no Pacemaker tool on PATH, 0.5 s per request.
fn agent(sim: &Sim, state: &str, action: &str) -> Command {
    if state == "promoted" {
        // The relay as the promotion left it: a monitor must find it so.
        sim.control("/set?device=1&name=mode&value=1");
    }
    let rsctmp = sim.dir.path().join("rsctmp");
    std::fs::create_dir_all(&rsctmp).expect("HA_RSCTMP");
    std::fs::write(rsctmp.join("berofos-berofos.state"), format!("{state}\n")).expect("state");
    let empty = sim.dir.path().join("no-tools");
    std::fs::create_dir_all(&empty).expect("empty folder");
    let mut c = Command::new(BIN);
    c.args(["ocf", action])
        .env_clear()
        .env("PATH", &empty)
        .env("HA_SBIN_DIR", &empty)
        .env("HA_RSCTMP", &rsctmp)
        .env("XIVO_BEROFOS_LOCK_DIR", sim.dir.path())
        .env(
            "XIVO_BEROFOS_SYSLOG_SOCKET",
            sim.dir.path().join("no-syslog"),
        )
        .env("OCF_ROOT", "/usr/lib/ocf")
        .env("OCF_RESOURCE_INSTANCE", "berofos:0")
        .env("OCF_RESKEY_config", &sim.config)
        .env("OCF_RESKEY_master_node", "xivo1")
        .env("OCF_RESKEY_CRM_meta_on_node", "xivo1")
        .env("OCF_RESKEY_timeout", "0.5")
        .env("OCF_RESKEY_CRM_meta_timeout", "20000")
        .env("OCF_RESKEY_CRM_meta_interval", "10000")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c
}

fn rows() -> Vec<Row> {
    macro_rules! admin {
        ($name:literal, $kind:ident, [$($a:expr),*]) => {
            Row { name: $name, kind: Kind::$kind, ok: 0, fail: 1, cmd: |s| admin(&[$($a),*])(s) }
        };
    }
    vec![
        admin!("master", HttpRead, ["master"]),
        admin!("slave", HttpRead, ["slave"]),
        admin!("status", HttpRead, ["status"]),
        admin!("get", HttpRead, ["get", "mode", "-f", "fos1"]),
        admin!("set", HttpWrite, ["set", "mode=1", "-f", "fos1"]),
        admin!("show", HttpRead, ["show", "-f", "fos1"]),
        admin!("setup", HttpRead, ["setup", "-f", "fos1"]),
        Row {
            name: "scan",
            kind: Kind::Gbl4Any,
            ok: 0,
            fail: 1,
            cmd: |s| {
                let mut c = admin(&["scan", "-x", "-h"])(s);
                c.arg(s.host(1));
                c
            },
        },
        admin!("ping", Gbl4Any, ["ping", "-f", "fos1"]),
        admin!("kick", Gbl4Any, ["kick", "-f", "fos1"]),
        admin!("netconf", Gbl4Flash, ["netconf", "-f", "fos1"]),
        Row {
            name: "flash",
            kind: Kind::Gbl4Flash,
            ok: 0,
            fail: 1,
            cmd: |s| {
                let fw = s.dir.path().join("firmware.bin");
                std::fs::write(&fw, vec![0xA5u8; 700]).expect("firmware");
                let mut c = admin(&["flash"])(s);
                c.arg(&fw).args(["-f", "fos1"]);
                c
            },
        },
        admin!("reset", Gbl4Flash, ["reset", "-f", "fos1"]),
        // The agent (README.md, "The Pacemaker resource agent"): promote 0/1, promoted monitor 8/9.
        Row {
            name: "ocf promote",
            kind: Kind::HttpRead,
            ok: 0,
            fail: 1,
            cmd: |s| agent(s, "unpromoted", "promote"),
        },
        Row {
            name: "ocf monitor",
            kind: Kind::HttpRead,
            ok: 8,
            fail: 9,
            cmd: |s| agent(s, "promoted", "monitor"),
        },
    ]
}

struct Cell {
    code: Option<i32>,
    first_line: String,
    stderr: String,
}

fn run_cell(row: &Row, fault: &str, spec: &str) -> Cell {
    let spec = match (row.kind, fault) {
        (_, "flash mode" | "operational") => spec.to_string(),
        (Kind::Gbl4Flash, _) => format!("{spec}+flash"),
        _ => spec.to_string(),
    };
    let sim = Sim::start(1, &["--fault", &format!("1={spec}")]);
    let mut cmd = (row.cmd)(&sim);
    let child = cmd.spawn().expect("spawn");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(o) => o.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{} with {fault}: still running after 30 s", row.name);
        }
    };
    let stderr = stderr_of(&out)
        .replace(&sim.http_port(1).to_string(), "PORT")
        .replace(&sim.udp_port.to_string(), "PORT")
        .replace(path_str(sim.dir.path()), "DIR");
    let first_line = stderr
        .lines()
        // The agent logs its intent first ("INFO: setting berofos relay mode..."): the
        // message of a cell is its first line that is not such a note.
        .find(|l| !l.trim().is_empty() && !l.starts_with("INFO: ") && !l.starts_with("DEBUG: "))
        .unwrap_or("")
        .to_string();
    Cell {
        code: out.status.code(),
        first_line,
        stderr,
    }
}

/// Says what to do: "– advice" or "(xivo-berofos …)".
fn has_advice(line: &str) -> bool {
    line.split_once(" – ")
        .is_some_and(|(_, a)| a.trim().len() > 3)
        || line.contains("(xivo-berofos ")
}

#[test]
fn every_fault_times_every_command() {
    let rows = rows();
    // One thread per column; each cell has its own simulator.
    let results: Vec<Vec<Cell>> = std::thread::scope(|s| {
        let handles: Vec<_> = FAULTS
            .iter()
            .map(|&(fault, spec)| {
                let rows = &rows;
                s.spawn(move || {
                    rows.iter()
                        .map(|r| run_cell(r, fault, spec))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("column"))
            .collect()
    });

    let mut wrong = Vec::new();
    for (c, &(fault, _)) in FAULTS.iter().enumerate() {
        for (r, row) in rows.iter().enumerate() {
            let cell = &results[c][r];
            let ok = harmless(fault, row.kind);
            let want = if ok { row.ok } else { row.fail };
            if cell.code != Some(want) {
                wrong.push(format!(
                    "{} × {fault}: exit {:?}, want {want}\n{}",
                    row.name, cell.code, cell.stderr
                ));
                continue;
            }
            if !ok {
                let l = &cell.first_line;
                if !(l.contains("fos1") && l.contains("127.0.0.2")) {
                    wrong.push(format!(
                        "{} × {fault}: does not name fos1 (127.0.0.2): {l}",
                        row.name
                    ));
                }
                if !has_advice(l) {
                    wrong.push(format!("{} × {fault}: says nothing to do: {l}", row.name));
                }
            }
        }
    }

    if std::env::var_os("FAULT_MATRIX_WRITE").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/faults.md");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, render(&rows, &results)).unwrap();
        eprintln!("written: {}", path.display());
    }
    assert!(
        wrong.is_empty(),
        "{} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn render(rows: &[Row], results: &[Vec<Cell>]) -> String {
    let mut t = String::from(
        "# Fault matrix\n\n\
         Every fault of `berofos-sim` × every command, against one simulated berofos\n\
         (`fos1`, 127.0.0.2), with `-q -t 0.5`. Generated by `scripts/fault-matrix`\n\
         (`FAULT_MATRIX_WRITE=1 cargo test --test fault_matrix`); the test asserts every\n\
         exit code below and that every failure names the device and says what to do.\n\n\
         Faults: `slow` is 100 ms per answer (within the timeout); `udp-drop` loses one\n\
         datagram (a GBL4 request goes again only after the vendor's 3 s wait, so\n\
         with `-t 0.5` a lost one fails the command); `flash mode` is a device in flash mode, `operational` one in\n\
         operational mode. Commands that need flash mode (netconf, flash, reset) get the\n\
         other faults in flash mode, so each column tests its fault, not the mode.\n\n\
         ## Exit codes\n\n| command |",
    );
    for (f, _) in FAULTS {
        let _ = write!(t, " {f} |");
    }
    t.push_str("\n|---|");
    t.push_str(&"---|".repeat(FAULTS.len()));
    t.push('\n');
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(t, "| {} |", row.name);
        for column in results {
            let code = column[r].code.map_or("signal".into(), |c| c.to_string());
            let _ = write!(t, " {code} |");
        }
        t.push('\n');
    }
    t.push_str("\n## Messages (first line)\n");
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(
            t,
            "\n### {}\n\n| fault | exit | first line |\n|---|---|---|\n",
            row.name
        );
        for (c, (f, _)) in FAULTS.iter().enumerate() {
            let cell = &results[c][r];
            let line = if cell.first_line.is_empty() {
                "(none)".to_string()
            } else {
                format!(
                    "`{}`",
                    cell.first_line.replace('|', "\\|").replace('`', "'")
                )
            };
            let code = cell.code.map_or("signal".into(), |c| c.to_string());
            let _ = writeln!(t, "| {f} | {code} | {line} |");
        }
    }
    t
}
