//! Which berofos a call works on: one selection for `master`, `slave`, `status` and
//! the agent alike, and one way to name a single berofos for the other commands.
//!
//! The rule (README, "Which berofos"): switch every berofos that can be switched and
//! name each one that cannot. A section that is unknown, broken or without a host is
//! a [`Broken`] beside the good devices, never a reason to leave the good ones alone.
//! Only what leaves nothing to work on stops the call ([`Unselectable`]): sections
//! were named but the file does not exist, or the file has no section at all. No file
//! and no name is "not configured" (`Ok(None)`): the package may sit on a XiVO
//! without a berofos.

use crate::config::{ConfigFile, LineError, Login, DEFAULT_HTTP_PORT};
use crate::device::{no_host, Device};
use crate::error::{Error, Result};
use crate::mac::Mac;
use std::path::{Path, PathBuf};

/// The berofos of a call: those that can be used, and the sections that cannot.
#[derive(Debug, Default)]
pub struct Selection {
    pub devices: Vec<Device>,
    pub broken: Vec<Broken>,
}

/// A selected section that cannot be used, and why, as values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// No section of that name in the file.
    Unknown {
        section: String,
        file: PathBuf,
        known: Vec<String>,
    },
    /// The section has errors: the first one, and how many more.
    Invalid {
        section: String,
        file: PathBuf,
        first: LineError,
        more: usize,
    },
    /// The section has no host: its HTTP face cannot be reached.
    NoHost {
        section: String,
        file: PathBuf,
        line: usize,
    },
}

fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Broken {
    pub fn section(&self) -> &str {
        match self {
            Broken::Unknown { section, .. }
            | Broken::Invalid { section, .. }
            | Broken::NoHost { section, .. } => section,
        }
    }

    /// An unknown name is a usage error (exit 2; the agent's `devices` parameter);
    /// the others are configuration errors (exit 6).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Broken::Unknown { .. })
    }

    /// The error, with what to do, for a person.
    pub fn error(&self) -> Error {
        match self {
            Broken::Unknown {
                section,
                file,
                known,
            } => Error::Usage(format!(
                "no section [{section}] in {}; sections: {}",
                file.display(),
                if known.is_empty() {
                    "none (run xivo-berofos scan -x)".to_string()
                } else {
                    known.join(", ")
                }
            )),
            Broken::Invalid {
                section,
                file,
                first,
                more,
            } => Error::Config(format!(
                "{first}{} – fix section [{section}] of {}",
                match more {
                    0 => String::new(),
                    n => format!(" (and {n} more problems)"),
                },
                file.display()
            )),
            Broken::NoHost {
                section,
                file,
                line,
            } => Error::Config(no_host(&format!("{}:{line}", file.display()), section)),
        }
    }

    /// A few words for the agent's exit reason: `[fos2] bad line bnfos.conf:7`,
    /// `[fos9] not in bnfos.conf`, `[fos3] no host (bnfos.conf:3)`.
    pub fn brief(&self) -> String {
        match self {
            Broken::Unknown { section, file, .. } => {
                format!("[{section}] not in {}", file_name(file))
            }
            Broken::Invalid {
                section,
                file,
                first,
                ..
            } => format!("[{section}] bad line {}:{}", file_name(file), first.line),
            Broken::NoHost {
                section,
                file,
                line,
            } => format!("[{section}] no host ({}:{line})", file_name(file)),
        }
    }
}

/// What leaves a call nothing to work on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unselectable {
    /// Sections were named, but the file does not exist.
    NoFile { file: PathBuf, names: Vec<String> },
    /// The file exists but has no section.
    NoSection { file: PathBuf },
}

impl std::fmt::Display for Unselectable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unselectable::NoFile { file, names } => write!(
                f,
                "{} does not exist, so {} names no berofos – create it with xivo-berofos scan -x (on a XiVO without berofos, name no section)",
                file.display(),
                names
                    .iter()
                    .map(|n| format!("[{n}]"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Unselectable::NoSection { file } => write!(
                f,
                "{} has no berofos section – run xivo-berofos scan -x, or remove the file if this XiVO has no berofos",
                file.display()
            ),
        }
    }
}

impl From<Unselectable> for Error {
    fn from(u: Unselectable) -> Error {
        Error::Config(u.to_string())
    }
}

/// The section `name` as a device, when it has no error (its host is not checked:
/// the UDP face does without).
pub fn section(file: &Path, cfg: &ConfigFile, name: &str) -> Result<Device, Broken> {
    let Some(s) = cfg.section(name) else {
        return Err(Broken::Unknown {
            section: name.to_string(),
            file: file.to_path_buf(),
            known: cfg.sections.iter().map(|s| s.name.clone()).collect(),
        });
    };
    if let Some(first) = s.errors.first() {
        return Err(Broken::Invalid {
            section: name.to_string(),
            file: file.to_path_buf(),
            first: first.clone(),
            more: s.errors.len() - 1,
        });
    }
    Ok(Device::from_section(cfg, s))
}

/// The berofos to switch or read over HTTP: the sections `names` (every section when
/// empty) of `cfg` (`None`: the file `file` does not exist).
pub fn select(
    file: &Path,
    cfg: Option<&ConfigFile>,
    names: &[String],
) -> Result<Option<Selection>, Unselectable> {
    let Some(cfg) = cfg else {
        return if names.is_empty() {
            Ok(None)
        } else {
            Err(Unselectable::NoFile {
                file: file.to_path_buf(),
                names: names.to_vec(),
            })
        };
    };
    if cfg.sections.is_empty() && names.is_empty() {
        return Err(Unselectable::NoSection {
            file: file.to_path_buf(),
        });
    }
    let all: Vec<String>;
    let names = if names.is_empty() {
        all = cfg.sections.iter().map(|s| s.name.clone()).collect();
        &all
    } else {
        names
    };
    let mut sel = Selection::default();
    for n in names {
        if sel
            .devices
            .iter()
            .any(|d| d.name.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(n)))
            || sel
                .broken
                .iter()
                .any(|b| b.section().eq_ignore_ascii_case(n))
        {
            continue;
        }
        match section(file, cfg, n) {
            Ok(d) if d.host.is_none() => sel.broken.push(Broken::NoHost {
                section: n.clone(),
                file: file.to_path_buf(),
                line: cfg.section(n).map_or(0, |s| s.line),
            }),
            Ok(d) => sel.devices.push(d),
            Err(b) => sel.broken.push(b),
        }
    }
    Ok(Some(sel))
}

/// One berofos named on the command line: a section (`-f`), or a MAC (`-m`) or host
/// (`-h`) given directly, with an HTTP port and login that override the section's.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    pub section: Option<String>,
    pub mac: Option<Mac>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub login: Option<Login>,
}

impl Selector {
    pub fn is_empty(&self) -> bool {
        self.section.is_none() && self.mac.is_none() && self.host.is_none()
    }

    /// The device: `-f NAME` from the configuration, or `-m`/`-h` given directly.
    pub fn one(&self, cfg: Option<&ConfigFile>, config_path: &Path) -> Result<Device> {
        if let Some(name) = &self.section {
            if self.mac.is_some() || self.host.is_some() {
                return Err(Error::Usage(
                    "-f NAME cannot be combined with -m or -h: choose one way to name the berofos"
                        .into(),
                ));
            }
            let cfg = cfg.ok_or_else(|| {
                Error::from(Unselectable::NoFile {
                    file: config_path.to_path_buf(),
                    names: vec![name.clone()],
                })
            })?;
            let mut d = section(config_path, cfg, name).map_err(|b| b.error())?;
            if let Some(p) = self.port {
                d.port = p;
            }
            if self.login.is_some() {
                d.login = self.login.clone();
            }
            return Ok(d);
        }
        if self.is_empty() {
            return Err(Error::Usage("no berofos given – use -f NAME (a section of the configuration), -h HOST or -m MAC".into()));
        }
        // A MAC or host that the configuration knows brings its login and port along.
        let known = cfg.and_then(|c| {
            c.sections.iter().find(|s| {
                s.errors.is_empty()
                    && ((self.mac.is_some() && s.mac == self.mac)
                        || (self.mac.is_none() && self.host.is_some() && s.host == self.host))
            })
        });
        Ok(Device {
            name: None,
            host: self.host.clone(),
            port: self
                .port
                .or(known.and_then(|s| s.port))
                .unwrap_or(DEFAULT_HTTP_PORT),
            login: self
                .login
                .clone()
                .or_else(|| known.and_then(|s| s.login.clone())),
            mac: self.mac,
            origin: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> PathBuf {
        PathBuf::from("/etc/bnfos.conf")
    }

    fn cfg(text: &str) -> ConfigFile {
        ConfigFile::parse(&file(), text)
    }

    const TWO: &str = "[fos1]\nmac = 00:19:32:00:00:01\nhost = 10.0.0.1\n\
                       [fos2]\nmac = 00:19:32:zz:00:02\nhost = 10.0.0.2\n\
                       [fos3]\nmac = 00:19:32:00:00:03\n";

    #[test]
    fn not_configured_only_without_file_and_names() {
        assert!(select(&file(), None, &[]).unwrap().is_none());
        let e = select(&file(), None, &["fos1".into()]).unwrap_err();
        assert!(matches!(e, Unselectable::NoFile { .. }));
        assert!(e.to_string().contains("does not exist, so [fos1]"), "{e}");
        assert_eq!(Error::from(e).exit_code(), 6);
        let e = select(&file(), Some(&cfg("# nothing\n")), &[]).unwrap_err();
        assert_eq!(e, Unselectable::NoSection { file: file() });
    }

    #[test]
    fn every_usable_device_and_each_broken_section_by_name() {
        let c = cfg(TWO);
        let sel = select(&file(), Some(&c), &[]).unwrap().unwrap();
        let names: Vec<_> = sel.devices.iter().map(|d| d.label()).collect();
        assert_eq!(names, ["fos1 (10.0.0.1)"]);
        let briefs: Vec<_> = sel.broken.iter().map(Broken::brief).collect();
        assert_eq!(
            briefs,
            [
                "[fos2] bad line bnfos.conf:5",
                "[fos3] no host (bnfos.conf:7)"
            ]
        );
        let codes: Vec<_> = sel.broken.iter().map(|b| b.error().exit_code()).collect();
        assert_eq!(codes, [6, 6]);
        assert!(sel.broken[1].error().to_string().contains("has no host"));
        // Named sections: an unknown one is named, the others still selected.
        let names = ["fos9".to_string(), "fos1".into(), "fos1".into()];
        let sel = select(&file(), Some(&c), &names).unwrap().unwrap();
        assert_eq!(sel.devices.len(), 1);
        assert_eq!(sel.broken.len(), 1);
        assert!(sel.broken[0].is_unknown());
        assert_eq!(sel.broken[0].brief(), "[fos9] not in bnfos.conf");
        let e = sel.broken[0].error();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string()
                .contains("no section [fos9] in /etc/bnfos.conf; sections: fos1, fos2, fos3"),
            "{e}"
        );
    }

    #[test]
    fn one_device_by_section_mac_or_host() {
        let c = cfg(TWO);
        let by = |s: Selector| s.one(Some(&c), &file());
        let d = by(Selector {
            section: Some("fos3".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(
            d.host.is_none() && d.mac.is_some(),
            "the UDP face needs no host"
        );
        let e = by(Selector {
            section: Some("fos2".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.exit_code(), 6);
        let e = by(Selector::default()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = Selector {
            section: Some("fos1".into()),
            ..Default::default()
        }
        .one(None, &file())
        .unwrap_err();
        assert_eq!(e.exit_code(), 6);
    }
}
