//! `check`: a monitoring plugin for Nagios, Icinga and Centreon, following the
//! Monitoring Plugins development guidelines: one status line on stdout,
//! `BEROFOS <STATE> - <what> | <performance data>`, and the state as the exit status
//! (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
//!
//! Every selected berofos is read at once (as `status` does), timed, and judged on
//! its answer time (`-w`/`-c`, seconds), its relay mode and its HA settings. Where a
//! cluster answers and runs an `ocf:xivo:berofos` resource on the same configuration
//! file, the relay is also compared with the promoted node, by the agent's own rule
//! ([`crate::ocf::mode_for`]: mode 1 on `master_node`, else 0).
//!
//! Bad usage and a missing configuration are UNKNOWN: the plugin could not tell.

use super::Ctx;
use crate::cli::{Check, Cli};
use crate::device::Device;
use crate::ocf::cluster::{self, Resource};
use crate::ocf::params::Params;
use crate::relay::{self, Deadline, Mode};
use crate::select::Selection;
use crate::settings::ConfigTxt;
use crate::signals::Cancel;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The plugin states, as the exit status.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    /// Every state, for the man page's EXIT STATUS.
    pub const ALL: [State; 4] = [State::Ok, State::Warning, State::Critical, State::Unknown];

    pub fn code(self) -> i32 {
        self as i32
    }

    /// When the check ends in this state (docs/monitoring.md, "States").
    pub fn meaning(self) -> &'static str {
        match self {
            State::Ok => "OK: every berofos answered within -w, its HA settings are the XiVO documentation's, and, where a cluster runs its berofos resource on this file, its relay is on the promoted node's side",
            State::Warning => "WARNING: an answer slower than -w, an HA setting off, the cluster's berofos resource promoted on no node or reading another file",
            State::Critical => "CRITICAL: a berofos that does not answer (or refuses the login, or is not a berofos), an answer slower than -c, a relay on the other side than the promoted node, the resource promoted on two nodes, a section that cannot be used",
            State::Unknown => "UNKNOWN: bad usage, or no configuration file (or one without any berofos section)",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    /// Which of two states the whole check takes: CRITICAL over WARNING over OK.
    fn rank(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Unknown => 2,
            State::Critical => 3,
        }
    }
}

/// What the check found: its state, the parts of its text (worst first once
/// rendered) and its performance data.
#[derive(Debug)]
pub struct Report {
    pub parts: Vec<(State, String)>,
    pub perf: Vec<String>,
}

impl Report {
    fn unknown(why: impl Into<String>) -> Report {
        Report {
            parts: vec![(State::Unknown, why.into())],
            perf: Vec::new(),
        }
    }

    pub fn state(&self) -> State {
        self.parts
            .iter()
            .map(|(s, _)| *s)
            .max_by_key(|s| s.rank())
            .unwrap_or(State::Unknown)
    }

    /// The status line: `BEROFOS OK - fos1 relay 1 (master), answered in 12 ms | ...`.
    pub fn line(&self) -> String {
        let mut parts: Vec<&(State, String)> = self.parts.iter().collect();
        parts.sort_by_key(|(s, _)| std::cmp::Reverse(s.rank()));
        let text = parts
            .iter()
            .map(|(_, t)| one_line(t))
            .collect::<Vec<_>>()
            .join("; ");
        let mut line = format!("BEROFOS {} - {text}", self.state().word());
        if !self.perf.is_empty() {
            line.push_str(" | ");
            line.push_str(&self.perf.join(" "));
        }
        line
    }
}

/// Text for the status line: `|` starts the performance data, a newline the long
/// output.
fn one_line(t: &str) -> String {
    t.chars()
        .map(|c| match c {
            '|' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// A performance-data label: quoted when it holds anything but letters, digits, `_`,
/// `-` and `.`.
fn label(name: &str, what: &str) -> String {
    let l = format!("{name}_{what}");
    if l.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        l
    } else {
        format!("'{}'", l.replace('\'', "''"))
    }
}

/// `0.5`, `1`: seconds as the thresholds were given.
fn secs(v: f64) -> String {
    format!("{v}")
}

/// `12 ms`, `1.25 s`.
fn took(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

fn side(m: Mode) -> &'static str {
    match m {
        Mode::Master => "master",
        Mode::Slave => "slave",
    }
}

/// What the cluster says about the berofos of this configuration file.
enum Cluster {
    /// No cluster answers, or it runs no berofos resource: nothing to compare with.
    None,
    /// The cluster's berofos resources, each with its parameters (or why they could
    /// not be read); those on another file than the check's only tell so.
    Resources(Vec<(Resource, Result<Params, String>)>),
}

/// Asks the running cluster (crm_mon, crm_resource) about its berofos resources.
fn ask_cluster(until: Instant) -> Cluster {
    let Ok(resources) = cluster::berofos_resources(until) else {
        return Cluster::None;
    };
    if resources.is_empty() {
        return Cluster::None;
    }
    let with_params = resources
        .into_iter()
        .map(|r| {
            // The parameters that say which relay mode is the promoted node's; the
            // others keep their defaults.
            let mut given = Vec::new();
            let mut failed = None;
            for name in ["config", "master_node", "devices"] {
                match cluster::parameter(&r.id, name, until) {
                    Ok(v) => given.push((name, v)),
                    Err(e) => failed = Some(e),
                }
            }
            let params = match failed {
                Some(e) => Err(e),
                None => Params::from(|n| {
                    given
                        .iter()
                        .find(|(k, _)| *k == n)
                        .and_then(|(_, v)| v.clone())
                })
                .map_err(|f| f.reason),
            };
            (r, params)
        })
        .collect();
    Cluster::Resources(with_params)
}

/// The same file, by name or once links are followed.
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

/// One berofos read: its settings and how long the answer took.
type Answer = crate::error::Result<(ConfigTxt, Duration)>;

/// The check, without printing.
pub fn run(ctx: &Ctx, c: &Check) -> Report {
    if c.warning > c.critical {
        return Report::unknown(format!(
            "-w {} is above -c {}: the warning threshold must not exceed the critical one",
            secs(c.warning),
            secs(c.critical)
        ));
    }
    let cfg = match ctx.load() {
        Ok(cfg) => cfg,
        Err(e) => return Report::unknown(e.to_string()),
    };
    let Selection { devices, broken } = match ctx.select(cfg.as_ref(), &c.sections) {
        Ok(Some(sel)) => sel,
        Ok(None) => {
            return Report::unknown(format!(
                "{} does not exist: no berofos to check (name the file with --config FILE)",
                ctx.path().display()
            ))
        }
        Err(e) => return Report::unknown(e.to_string()),
    };
    if let Some(b) = broken.iter().find(|b| b.is_unknown()) {
        return Report::unknown(b.error().to_string());
    }
    let mut report = Report {
        parts: Vec::new(),
        perf: Vec::new(),
    };
    for b in &broken {
        report.parts.push((State::Critical, b.error().to_string()));
    }
    let http = match ctx.http() {
        Ok(h) => h,
        Err(e) => return Report::unknown(e.to_string()),
    };
    let deadline = Deadline::after(ctx.timeout + Duration::from_millis(500), Cancel::never());
    let per_request = ctx.timeout;
    let cluster_until = Instant::now() + cluster::TOOL_LIMIT;
    // The cluster is asked while the berofos answer.
    let (answers, cluster) = std::thread::scope(|s| {
        let asking = s.spawn(|| ask_cluster(cluster_until));
        let answers: Vec<Answer> = relay::parallel(
            &devices,
            deadline,
            move |d| {
                let t = Instant::now();
                relay::read(&http, d, per_request, deadline).map(|cfg| (cfg, t.elapsed()))
            },
            |_, _| {},
        );
        (answers, asking.join().unwrap_or(Cluster::None))
    });

    // Which resources drive the berofos of this file, and where each is promoted
    // (said after the berofos).
    let mut driving: Vec<(&Resource, &Params)> = Vec::new();
    let mut about_cluster: Vec<(State, String)> = Vec::new();
    if let Cluster::Resources(resources) = &cluster {
        let mut elsewhere = Vec::new();
        for (r, params) in resources {
            match params {
                Err(why) => about_cluster.push((
                    State::Warning,
                    format!(
                        "cluster resource {}: its parameters cannot be read: {why}",
                        r.id
                    ),
                )),
                Ok(p) if !same_file(&p.config, ctx.path()) => {
                    elsewhere.push(format!("{} reads {}", r.id, p.config.display()))
                }
                Ok(p) => {
                    match r.promoted.as_slice() {
                        [] => about_cluster.push((
                            State::Warning,
                            format!(
                                "cluster resource {} is promoted on no node: nothing drives the relays (pcs status)",
                                r.id
                            ),
                        )),
                        [node] => about_cluster.push((State::Ok, format!("{node} promoted ({})", r.id))),
                        many => about_cluster.push((
                            State::Critical,
                            format!(
                                "cluster resource {} is promoted on {}: split brain? (pcs status)",
                                r.id,
                                many.join(" and ")
                            ),
                        )),
                    }
                    driving.push((r, p));
                }
            }
        }
        if driving.is_empty() && !elsewhere.is_empty() {
            about_cluster.push((
                State::Warning,
                format!(
                    "the cluster's berofos resource {}, this check reads {}: run it with --config on the cluster's file",
                    elsewhere.join(", "),
                    ctx.path().display()
                ),
            ));
        }
    }

    for (d, answer) in devices.iter().zip(answers) {
        judge(&mut report, c, ctx.timeout, d, answer, &driving);
    }
    report.parts.extend(about_cluster);
    report
}

/// The verdict and performance data of one berofos.
fn judge(
    report: &mut Report,
    c: &Check,
    timeout: Duration,
    d: &Device,
    answer: Answer,
    driving: &[(&Resource, &Params)],
) {
    let name = d.name.clone().unwrap_or_else(|| d.label());
    let thresholds = format!(
        ";{};{};0;{}",
        secs(c.warning),
        secs(c.critical),
        secs(timeout.as_secs_f64())
    );
    let (cfg, time) = match answer {
        Ok(a) => a,
        Err(e) => {
            report.parts.push((State::Critical, e.to_string()));
            report
                .perf
                .push(format!("{}=U{thresholds}", label(&name, "time")));
            report.perf.push(format!("{}=U", label(&name, "mode")));
            return;
        }
    };
    let t = time.as_secs_f64();
    report
        .perf
        .push(format!("{}={t:.3}s{thresholds}", label(&name, "time")));
    let mode = match relay::mode_of(d, &cfg) {
        Ok(m) => m,
        Err(e) => {
            report.parts.push((State::Critical, e.to_string()));
            report.perf.push(format!("{}=U", label(&name, "mode")));
            return;
        }
    };
    report
        .perf
        .push(format!("{}={}", label(&name, "mode"), mode.number()));
    let mut state = State::Ok;
    let mut text = format!(
        "{name} relay {} ({}), answered in {}",
        mode.number(),
        side(mode),
        took(time)
    );
    if t > c.critical {
        state = State::Critical;
        text.push_str(&format!(" (over -c {} s)", secs(c.critical)));
    } else if t > c.warning {
        state = State::Warning;
        text.push_str(&format!(" (over -w {} s)", secs(c.warning)));
    }
    // The promoted node's mode, by the agent's rule, from the resources that drive
    // this berofos and are promoted on exactly one node.
    let judged: Vec<(&str, Mode)> = driving
        .iter()
        .filter(|(_, p)| d.name.as_deref().is_some_and(|n| p.selects(n)))
        .filter_map(|(r, p)| match r.promoted.as_slice() {
            [node] => Some((node.as_str(), crate::ocf::mode_for(p, node))),
            _ => None,
        })
        .collect();
    if let Some((node, want)) = judged.iter().find(|(_, want)| *want != mode) {
        state = State::Critical;
        text.push_str(&format!(
            ", but {node} is promoted and its side is relay {} ({}): the lines are not on the promoted XiVO",
            want.number(),
            side(*want)
        ));
    }
    if !judged.is_empty() {
        let matches = judged.iter().all(|(_, want)| *want == mode);
        report
            .perf
            .push(format!("{}={}", label(&name, "match"), u8::from(matches)));
    }
    let issues = super::status::ha_issues(&cfg);
    if !issues.is_empty() {
        if state == State::Ok {
            state = State::Warning;
        }
        text.push_str(&format!(
            ", HA settings off: {} (xivo-berofos setup -f {name})",
            issues.join(" ")
        ));
    }
    report.parts.push((state, text));
}

/// Runs the check of `cli`, prints its line, and returns its exit status.
pub fn main(cli: &Cli, c: &Check) -> i32 {
    let config: PathBuf = c.config.clone().unwrap_or_else(|| cli.config.clone());
    let ctx = Ctx {
        config: &config,
        timeout: Duration::from_secs_f64(cli.timeout),
        quiet: true,
        cancel: Cancel::never(),
    };
    let report = run(&ctx, c);
    crate::outln!("{}", report.line());
    report.state().code()
}

/// The line and exit status for a command line that could not be parsed.
pub fn bad_usage(e: &clap::Error) -> (String, i32) {
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("bad usage");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let report = Report::unknown(format!("{first} (xivo-berofos check --help)"));
    (report.line(), State::Unknown.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_worst_first_with_perf_data() {
        let r = Report {
            parts: vec![
                (State::Ok, "fos1 relay 1 (master), answered in 12 ms".into()),
                (State::Critical, "fos2 (10.0.0.2): no | answer".into()),
                (State::Warning, "fos3 slow\nreally".into()),
            ],
            perf: vec!["fos1_time=0.012s;1;2;0;3".into(), "fos1_mode=1".into()],
        };
        assert_eq!(r.state(), State::Critical);
        assert_eq!(
            r.line(),
            "BEROFOS CRITICAL - fos2 (10.0.0.2): no / answer; fos3 slow really; \
             fos1 relay 1 (master), answered in 12 ms | fos1_time=0.012s;1;2;0;3 fos1_mode=1"
        );
        assert_eq!(Report::unknown("x").line(), "BEROFOS UNKNOWN - x");
        assert_eq!(Report::unknown("x").state().code(), 3);
    }

    #[test]
    fn labels_and_numbers() {
        assert_eq!(label("fos1", "time"), "fos1_time");
        assert_eq!(label("my fos's", "mode"), "'my fos''s_mode'");
        assert_eq!((secs(0.5), secs(1.0)), ("0.5".into(), "1".into()));
        assert_eq!(took(Duration::from_millis(12)), "12 ms");
        assert_eq!(took(Duration::from_millis(1250)), "1.25 s");
    }
}
