//! `/etc/bnfos.conf`: read leniently, merge scan results by MAC, save atomically.
//!
//! The format (docs/protocol.md §3) is read by hand rather than with rust-ini: rust-ini
//! continues a line that ends in `\`, rejects an indented comment and stops the whole
//! file at its first bad line, while here values are literal (a password may end in
//! `\` or hold `#`, `;`, `:`), a bad line costs only its own section, and every problem
//! is reported with its line. Writing keeps every line it does not need to change,
//! comments and unknown keys included.

use crate::error::{Error, Result};
pub use crate::login::Login;
use crate::mac::Mac;
use std::fmt;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

pub const DEFAULT_PATH: &str = "/etc/bnfos.conf";
/// What `master`, `slave` and the agent's promote say without a configuration file
/// (the XiVO documentation's words: the package may sit on a XiVO without a berofos).
pub const NOT_CONFIGURED: &str = "berofos is not configured -- doing nothing";
pub const DEFAULT_HTTP_PORT: u16 = 80;

/// What is wrong with one line of the file, as values (the agent's exit reason needs
/// the line on its own); shown as `/etc/bnfos.conf:7: [fos2]: not a MAC address`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    pub what: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.what)
    }
}

/// One `[section]`: one berofos.
#[derive(Clone, Debug, Default)]
pub struct Section {
    pub name: String,
    /// 1-based line of the `[name]` header.
    pub line: usize,
    pub mac: Option<Mac>,
    pub host: Option<String>,
    pub login: Option<Login>,
    pub port: Option<u16>,
    /// What is wrong with this section, line by line.
    pub errors: Vec<LineError>,
}

impl Section {
    pub fn http_port(&self) -> u16 {
        self.port.unwrap_or(DEFAULT_HTTP_PORT)
    }
}

/// A parsed configuration file.
#[derive(Clone, Debug, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub sections: Vec<Section>,
    /// Problems that cost nothing (unknown keys...), one message each.
    pub warnings: Vec<String>,
    /// The text as read, kept to rewrite it line by line.
    text: String,
    /// The file's permission bits, when read from disk.
    mode: Option<u32>,
    /// Header lines of the sections that repeat an earlier name: ignored (the first
    /// one wins), but they still end the section above them.
    ignored: Vec<usize>,
}

const KNOWN_KEYS: [&str; 4] = ["mac", "host", "login", "port"];

/// Whether a merge may move a known berofos that has a login to the address a scan
/// answer gave (`scan -x --update-hosts`): a scan answer can come from anyone on the LAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moves {
    /// Sections with a login keep their host (the default).
    KeepLoggedIn,
    /// Every known berofos gets the address it answered with.
    All,
}

impl ConfigFile {
    /// Reads the file; `Ok(None)` when it does not exist (= not configured).
    pub fn load(path: &Path) -> Result<Option<ConfigFile>> {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let mut cfg = ConfigFile::parse(path, &text);
                    cfg.mode = std::fs::metadata(path)
                        .ok()
                        .map(|m| m.permissions().mode() & 0o7777);
                    Ok(Some(cfg))
                }
                Err(_) => Err(Error::Config(format!(
                    "{}: not a text file (invalid UTF-8) – check it, or remove it if this XiVO has no berofos",
                    path.display()
                ))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Config(format!(
                "cannot read {}: {e} – run as root, or check the file's permissions",
                path.display()
            ))),
        }
    }

    /// Parses text; never fails: problems land in `warnings` or the section's `errors`.
    pub fn parse(path: &Path, text: &str) -> ConfigFile {
        let mut cfg = ConfigFile {
            path: path.to_path_buf(),
            text: text.to_string(),
            ..Default::default()
        };
        let file = path.display().to_string();
        // A byte-order mark (Windows editors) is not part of the first line.
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        // The keys of an ignored duplicate section land here, never in a section used.
        let mut ignored: Option<Section> = None;
        for (i, raw) in body.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                match rest.strip_suffix(']').map(str::trim) {
                    Some(name) if !name.is_empty() => {
                        // Names match ignoring case, as the vendor's bnfos matches them (`-f FOS1`).
                        if let Some(first) = cfg
                            .sections
                            .iter()
                            .find(|s| s.name.eq_ignore_ascii_case(name))
                        {
                            cfg.warnings.push(format!(
                                "{file}:{n}: section [{name}] appears twice (lines {} and {n}); the second one is ignored – rename or remove it",
                                first.line
                            ));
                            cfg.ignored.push(n);
                            ignored = Some(Section {
                                name: name.to_string(),
                                line: n,
                                ..Default::default()
                            });
                        } else {
                            ignored = None;
                            cfg.sections.push(Section {
                                name: name.to_string(),
                                line: n,
                                ..Default::default()
                            });
                        }
                    }
                    // A broken header starts a broken section of its own, so the keys
                    // under it never land in the section above.
                    _ => {
                        let name = rest.split(']').next().unwrap_or(rest).trim();
                        let name = if name.is_empty() {
                            format!("line {n}")
                        } else {
                            name.to_string()
                        };
                        let error = LineError {
                            file: path.to_path_buf(),
                            line: n,
                            what: format!(
                                "malformed section header '{line}' (expected [{name}] alone on its line)"
                            ),
                        };
                        ignored = None;
                        cfg.sections.push(Section {
                            name,
                            line: n,
                            errors: vec![error],
                            ..Default::default()
                        });
                    }
                }
                continue;
            }
            let in_ignored = ignored.is_some();
            let Some(section) = ignored.as_mut().or(cfg.sections.last_mut()) else {
                cfg.warnings
                    .push(format!("{file}:{n}: line outside any [section] ignored"));
                continue;
            };
            let bad = |what: String| LineError {
                file: path.to_path_buf(),
                line: n,
                what,
            };
            let Some((key, value)) = line.split_once('=') else {
                section
                    .errors
                    .push(bad(format!("expected key = value in [{}]", section.name)));
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            let name = format!("[{}]", section.name);
            let at = format!("{file}:{n}: {name}");
            match key.as_str() {
                "mac" => match value.parse() {
                    Ok(m) => section.mac = Some(m),
                    Err(e) => section.errors.push(bad(format!("{name}: {e}"))),
                },
                "host" => {
                    if value.is_empty() || value.contains(char::is_whitespace) {
                        section.errors.push(bad(format!(
                            "{name}: host must be an IPv4 address or a host name"
                        )));
                    } else {
                        section.host = Some(value.to_string());
                    }
                }
                // Never echo the value: it holds a password.
                "login" => match Login::parse(value) {
                    Some(l) => section.login = Some(l),
                    None => section
                        .errors
                        .push(bad(format!("{name}: login must be user:password"))),
                },
                "port" => match value.parse::<u16>() {
                    Ok(p) if p > 0 => section.port = Some(p),
                    _ => section.errors.push(bad(format!(
                        "{name}: port must be a number from 1 to 65535, not '{value}'"
                    ))),
                },
                // An ignored section was named once already, with its lines.
                _ if in_ignored => {}
                _ => cfg.warnings.push(format!(
                    "{at}: unknown key '{key}' ignored (known keys: {})",
                    KNOWN_KEYS.join(", ")
                )),
            }
        }
        cfg
    }

    /// A warning when the file holds a login (a password) and other users can read it,
    /// as ssh warns about a private key: the file, its mode and the fix.
    pub fn exposed_login(&self) -> Option<String> {
        let mode = self.mode?;
        let has_login = self.text.lines().map(str::trim).any(|l| {
            !l.starts_with(['#', ';'])
                && l.split_once('=')
                    .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("login"))
        });
        (has_login && mode & 0o044 != 0).then(|| {
            format!(
                "{} holds a login and other users can read it (mode {mode:04o}) – its passwords are exposed: chmod 600 {}",
                self.path.display(),
                self.path.display()
            )
        })
    }

    /// The section `name`, ignoring case as the vendor's bnfos does (`-f FOS1` is
    /// `[fos1]`); [`crate::select`] says what to do when there is none.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The next free `fosN` (no name that differs from a known one by case only).
    fn next_name(&self, taken: &[String]) -> String {
        (1..)
            .map(|n| format!("fos{n}"))
            .find(|n| self.section(n).is_none() && !taken.contains(n))
            .expect("unbounded range")
    }

    /// Merges devices found by a scan (docs/protocol.md §3, product.md §2): known MACs keep
    /// their section (name, login, port, every other line) and get `host` updated when
    /// their address changed; new MACs get the next free `fosN`. Returns the new text and
    /// a line per change. A pure function: a host name in the file is not resolved, so
    /// it is replaced by the scanned address (`scan -x` resolves the names first, and
    /// calls [`ConfigFile::merge_with`]).
    pub fn merge(&self, found: &[(Mac, Ipv4Addr, u16)]) -> (String, Vec<String>) {
        self.merge_with(found, |_| None, Moves::KeepLoggedIn)
    }

    /// The host names (not addresses) of the sections a merge of `found` looks at: those
    /// it would have to resolve.
    pub fn host_names(&self, found: &[(Mac, Ipv4Addr, u16)]) -> Vec<String> {
        self.sections
            .iter()
            .filter(|s| found.iter().any(|f| s.mac == Some(f.0)))
            .filter_map(|s| s.host.clone())
            .filter(|h| h.parse::<Ipv4Addr>().is_err())
            .collect()
    }

    /// [`ConfigFile::merge`], with host names resolved by `resolve` (the address of a
    /// name, `None` when it has none): `scan -x` resolves them before it takes the
    /// device lock, since a resolver may take as long as it likes.
    pub fn merge_with(
        &self,
        found: &[(Mac, Ipv4Addr, u16)],
        resolve: impl Fn(&str) -> Option<Ipv4Addr>,
        moves: Moves,
    ) -> (String, Vec<String>) {
        let mut lines: Vec<String> = self.text.lines().map(str::to_string).collect();
        let mut changes = Vec::new();
        let mut inserts: Vec<(usize, String)> = Vec::new();
        let mut added = String::new();
        let mut new_names = Vec::new();
        for &(mac, ip, port) in found {
            let has_ip = !ip.is_unspecified();
            if let Some(s) = self.sections.iter().find(|s| s.mac == Some(mac)) {
                if !has_ip
                    || s.host
                        .as_deref()
                        .is_some_and(|h| names_address(h, ip, &resolve))
                {
                    changes.push(format!("{} ({mac}) unchanged", s.name));
                    continue;
                }
                if s.login.is_some() && moves == Moves::KeepLoggedIn {
                    // Whoever answers a scan with this MAC would get the login at the
                    // next request: only the admin moves such a section.
                    changes.push(format!(
                        "{} ({mac}): answered from {ip}, host kept at {} – it has a login; if the berofos really moved, run scan -x --update-hosts",
                        s.name,
                        s.host.as_deref().unwrap_or("(none)")
                    ));
                    continue;
                }
                let ip = ip.to_string();
                match self.key_line(s, "host") {
                    Some(i) => lines[i] = format!("host = {ip}"),
                    None => inserts.push((
                        self.key_line(s, "mac").unwrap_or(s.line - 1) + 1,
                        format!("host = {ip}"),
                    )),
                }
                changes.push(format!(
                    "{} ({mac}): host {} -> {ip}",
                    s.name,
                    s.host.as_deref().unwrap_or("(none)")
                ));
            } else {
                let name = self.next_name(&new_names);
                if !(self.text.is_empty() && added.is_empty()) {
                    added.push('\n');
                }
                added.push_str(&format!("[{name}]\nmac = {mac}\n"));
                if has_ip {
                    added.push_str(&format!("host = {ip}\n"));
                } else {
                    added.push_str(";host = 0.0.0.0\n");
                }
                if port != DEFAULT_HTTP_PORT {
                    added.push_str(&format!("port = {port}\n"));
                }
                added.push_str("#login = <user>:<password>\n");
                changes.push(format!(
                    "{name} ({mac}) added, host {}",
                    if has_ip {
                        ip.to_string()
                    } else {
                        "unknown".into()
                    }
                ));
                new_names.push(name);
            }
        }
        inserts.sort_by_key(|i| std::cmp::Reverse(i.0));
        for (at, l) in inserts {
            lines.insert(at.min(lines.len()), l);
        }
        let mut text = lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&added);
        (text, changes)
    }

    /// Index (0-based) of the last active `key =` line of a section.
    fn key_line(&self, s: &Section, key: &str) -> Option<usize> {
        let end = self
            .sections
            .iter()
            .map(|o| o.line)
            .chain(self.ignored.iter().copied())
            .filter(|&l| l > s.line)
            .min()
            .unwrap_or(usize::MAX);
        self.text
            .lines()
            .enumerate()
            .skip(s.line)
            .take_while(|(i, _)| i + 1 < end)
            .filter(|(_, l)| {
                l.split_once('=')
                    .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            })
            .filter(|(_, l)| !l.trim_start().starts_with(['#', ';']))
            .map(|(i, _)| i)
            .last()
    }
}

/// Whether a `host` value (an address, or a name the admin chose) points at `ip`: a
/// name that still resolves to the scanned address is kept as it is.
fn names_address(host: &str, ip: Ipv4Addr, resolve: impl Fn(&str) -> Option<Ipv4Addr>) -> bool {
    match host.parse::<Ipv4Addr>() {
        Ok(a) => a == ip,
        Err(_) => resolve(host) == Some(ip),
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same folder, mode 0600,
/// fsynced, renamed over, then the folder fsynced. On any failure the old file stays.
pub fn save_atomic(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |what: &str, e: std::io::Error| {
        Error::System(format!(
            "cannot write {} ({what}: {e}) – the file was left as it was",
            path.display()
        ))
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".bnfos.conf.")
        .tempfile_in(dir)
        .map_err(|e| fail("temporary file", e))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|e| fail("chmod", e))?;
    tmp.write_all(text.as_bytes())
        .map_err(|e| fail("write", e))?;
    tmp.as_file().sync_all().map_err(|e| fail("fsync", e))?;
    tmp.persist(path).map_err(|e| fail("rename", e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str =
        "[fos1]\nmac = 00:19:32:00:12:1D\nhost = 10.34.1.50\n#login = <user>:<password>\n";

    fn parse(t: &str) -> ConfigFile {
        ConfigFile::parse(Path::new("/etc/bnfos.conf"), t)
    }

    #[test]
    fn seed_file() {
        let c = parse(SEED);
        assert_eq!(c.sections.len(), 1);
        let s = &c.sections[0];
        assert_eq!(
            (s.name.as_str(), s.host.as_deref(), s.login.is_none()),
            ("fos1", Some("10.34.1.50"), true)
        );
        assert_eq!(s.mac.unwrap().to_string(), "00:19:32:00:12:1D");
        assert!(c.warnings.is_empty() && s.errors.is_empty());
    }

    #[test]
    fn literal_values_and_lenient_errors() {
        let c = parse("[a]\nlogin = admin:p:#;\\&x\\\n  # indented comment\nfoo = bar\n[b]\nmac = nope\nport = 0\njunk\n[c]\nhost = h\nport = 8080\n");
        assert_eq!(c.sections[0].login.as_ref().unwrap().password, "p:#;\\&x\\");
        assert!(c.warnings[0].contains(":4:") && c.warnings[0].contains("unknown key 'foo'"));
        let b = &c.sections[1];
        assert_eq!(b.errors.len(), 3);
        assert!(
            b.errors[0].to_string().contains(":6: [b]"),
            "{:?}",
            b.errors
        );
        assert_eq!(b.errors[0].line, 6);
        assert!(c.sections[2].errors.is_empty());
        assert_eq!(c.sections[2].http_port(), 8080);
        assert!(!format!("{:?}", c.sections[0].login).contains("p:#"));
    }

    #[test]
    fn a_broken_header_keeps_its_keys_away_from_the_section_above() {
        let c = parse(
            "[fos1]\nmac = 00:19:32:00:00:01\nhost = 10.0.0.1\n[fos2] # office\nhost = 10.0.0.2\n",
        );
        assert_eq!(c.sections[0].host.as_deref(), Some("10.0.0.1"));
        assert!(c.sections[0].errors.is_empty());
        assert_eq!(c.sections[1].name, "fos2");
        assert!(
            c.sections[1].errors[0]
                .to_string()
                .contains(":4: malformed section header"),
            "{:?}",
            c.sections[1].errors
        );
    }

    /// A repeated section used to be kept as `[fos1#dup4]`, a broken section that
    /// failed every command; the first one wins and the second is only named.
    #[test]
    fn a_scan_never_moves_a_section_with_a_login_unless_told() {
        let c = parse("[fos1]\nmac = 00:19:32:00:00:01\nhost = 10.0.0.1\nlogin = admin:pw\n[fos2]\nmac = 00:19:32:00:00:02\nhost = 10.0.0.2\n");
        let m1: Mac = "00:19:32:00:00:01".parse().unwrap();
        let m2: Mac = "00:19:32:00:00:02".parse().unwrap();
        let found = [
            (m1, Ipv4Addr::new(10, 0, 0, 66), 80),
            (m2, Ipv4Addr::new(10, 0, 0, 77), 80),
        ];
        let (text, changes) = c.merge(&found);
        let after = parse(&text);
        assert_eq!(
            after.sections[0].host.as_deref(),
            Some("10.0.0.1"),
            "{text}"
        );
        assert_eq!(
            after.sections[1].host.as_deref(),
            Some("10.0.0.77"),
            "{text}"
        );
        assert!(
            changes[0].contains("host kept at 10.0.0.1") && changes[0].contains("--update-hosts"),
            "{changes:?}"
        );
        let (text, _) = c.merge_with(&found, |_| None, Moves::All);
        assert_eq!(
            parse(&text).sections[0].host.as_deref(),
            Some("10.0.0.66"),
            "{text}"
        );
    }

    #[test]
    fn section_names_match_ignoring_case_as_the_vendors_do() {
        let c =
            parse("[fos1]\nhost = 10.0.0.1\n[FOS1]\nhost = 10.0.0.9\n[Fos2]\nhost = 10.0.0.2\n");
        assert_eq!(
            c.section("FOS1").and_then(|s| s.host.as_deref()),
            Some("10.0.0.1")
        );
        assert_eq!(c.section("fos2").map(|s| s.name.as_str()), Some("Fos2"));
        assert_eq!(
            c.warnings,
            ["/etc/bnfos.conf:3: section [FOS1] appears twice (lines 1 and 3); the second one is ignored – rename or remove it"]
        );
        // A new berofos never gets a name that differs from a known one by case only.
        assert_eq!(c.next_name(&[]), "fos3");
    }

    #[test]
    fn a_duplicate_section_is_named_once_and_ignored() {
        let c = parse("[fos1]\nmac = 00:19:32:00:00:01\nhost = 10.0.0.1\n[fos1]\nhost = 10.0.0.9\nlogin = a:b\nfoo = 1\n[fos2]\nhost = 10.0.0.2\n");
        let names: Vec<_> = c.sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["fos1", "fos2"]);
        let first = &c.sections[0];
        assert_eq!(first.host.as_deref(), Some("10.0.0.1"));
        assert!(first.login.is_none() && first.errors.is_empty());
        assert_eq!(
            c.warnings,
            ["/etc/bnfos.conf:4: section [fos1] appears twice (lines 1 and 4); the second one is ignored – rename or remove it"]
        );
        // A merge updates the first section, never a line of the ignored one.
        let m: Mac = "00:19:32:00:00:01".parse().unwrap();
        let (t, _) = c.merge(&[(m, Ipv4Addr::new(10, 0, 0, 5), 80)]);
        assert_eq!(t, "[fos1]\nmac = 00:19:32:00:00:01\nhost = 10.0.0.5\n[fos1]\nhost = 10.0.0.9\nlogin = a:b\nfoo = 1\n[fos2]\nhost = 10.0.0.2\n");
    }

    #[test]
    fn merge_keeps_everything() {
        let c = parse("# my berofos\n[fos2]\nmac = 00:19:32:00:12:1D\nhost = 10.34.1.50\nlogin = admin:s3cret\nport = 8080\n");
        let m1: Mac = "00:19:32:00:12:1D".parse().unwrap();
        let m2: Mac = "00:19:32:00:12:1E".parse().unwrap();
        // (--update-hosts: the section has a login.)
        let (text, changes) = c.merge_with(
            &[
                (m1, Ipv4Addr::new(10, 34, 1, 20), 8080),
                (m2, Ipv4Addr::UNSPECIFIED, 80),
            ],
            |_| None,
            Moves::All,
        );
        assert_eq!(changes.len(), 2);
        let n = parse(&text);
        assert!(text.starts_with("# my berofos\n"));
        assert_eq!(n.sections[0].name, "fos2");
        assert_eq!(n.sections[0].host.as_deref(), Some("10.34.1.20"));
        assert_eq!(n.sections[0].login.as_ref().unwrap().password, "s3cret");
        assert_eq!(n.sections[0].port, Some(8080));
        assert_eq!(n.sections[1].name, "fos1");
        assert!(n.sections[1].host.is_none() && text.contains(";host = 0.0.0.0"));
        // A host name that resolves to the scanned address is kept; merge alone
        // resolves nothing.
        let c = parse("[fos1]\nmac = 00:19:32:00:12:1D\nhost = berofos1\n");
        let found = [(m1, Ipv4Addr::LOCALHOST, 80)];
        let (t, _) = c.merge_with(
            &found,
            |h| (h == "berofos1").then_some(Ipv4Addr::LOCALHOST),
            Moves::All,
        );
        assert!(t.contains("host = berofos1\n"), "{t}");
        let (t, _) = c.merge(&found);
        assert!(t.contains("host = 127.0.0.1\n"), "{t}");
        // Merging the same again changes nothing.
        let (again, _) = n.merge(&[(m1, Ipv4Addr::new(10, 34, 1, 20), 8080)]);
        assert_eq!(again, text);
    }

    #[test]
    fn merge_into_empty_and_commented_host() {
        let m: Mac = "00:19:32:00:00:01".parse().unwrap();
        let (t, _) = parse("").merge(&[(m, Ipv4Addr::new(127, 0, 0, 2), 8081)]);
        assert_eq!(t, "[fos1]\nmac = 00:19:32:00:00:01\nhost = 127.0.0.2\nport = 8081\n#login = <user>:<password>\n");
        let c = parse(
            "[fos1]\nmac = 00:19:32:00:00:01\n;host = 0.0.0.0\n[fos2]\nmac = 00:19:32:00:00:02\n",
        );
        let (t, _) = c.merge(&[(m, Ipv4Addr::new(127, 0, 0, 2), 80)]);
        let n = parse(&t);
        assert_eq!(n.sections[0].host.as_deref(), Some("127.0.0.2"));
        assert_eq!(n.sections[1].mac.unwrap().to_string(), "00:19:32:00:00:02");
    }
}
