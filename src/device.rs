//! A berofos as the commands see it: chosen by section (`-f`), MAC (`-m`) or host (`-h`),
//! named in every message as `fos1 (10.34.1.50)`.

use crate::config::{ConfigFile, Login, Section, DEFAULT_HTTP_PORT};
use crate::error::{Error, Problem, Result};
use crate::http::Endpoint;
use crate::mac::Mac;
use std::net::{Ipv4Addr, ToSocketAddrs};

#[derive(Clone, Debug)]
pub struct Device {
    /// Section name, when chosen from the configuration.
    pub name: Option<String>,
    pub host: Option<String>,
    pub port: u16,
    pub login: Option<Login>,
    pub mac: Option<Mac>,
    /// Where it came from, for configuration errors (`/etc/bnfos.conf:3`).
    pub origin: Option<String>,
}

impl Device {
    pub fn from_section(cfg: &ConfigFile, s: &Section) -> Result<Device> {
        if let Some(first) = s.errors.first() {
            let more = if s.errors.len() > 1 {
                format!(" (and {} more problems)", s.errors.len() - 1)
            } else {
                String::new()
            };
            return Err(Error::Config(format!(
                "{first}{more} – fix section [{}] of {}",
                s.name,
                cfg.path.display()
            )));
        }
        Ok(Device {
            name: Some(s.name.clone()),
            host: s.host.clone(),
            port: s.http_port(),
            login: s.login.clone(),
            mac: s.mac,
            origin: Some(format!("{}:{}", cfg.path.display(), s.line)),
        })
    }

    /// `fos1 (10.34.1.50)`, `10.34.1.50` or `00:19:32:00:12:1D`.
    pub fn label(&self) -> String {
        match (&self.name, &self.host, &self.mac) {
            (Some(n), Some(h), _) => format!("{n} ({h})"),
            (Some(n), None, Some(m)) => format!("{n} ({m})"),
            (Some(n), None, None) => n.clone(),
            (None, Some(h), _) => h.clone(),
            (None, None, Some(m)) => m.to_string(),
            (None, None, None) => "berofos".into(),
        }
    }

    /// How to name this device on the command line: `-f fos1`.
    pub fn sel(&self) -> String {
        match (&self.name, &self.host, &self.mac) {
            (Some(n), _, _) => format!("-f {n}"),
            (None, Some(h), _) => format!("-h {h}"),
            (None, None, Some(m)) => format!("-m {m}"),
            _ => String::new(),
        }
    }

    /// Wraps a problem with this device's name.
    pub fn fail(&self, problem: Problem) -> Error {
        Error::Device {
            label: self.label(),
            sel: self.sel(),
            problem,
        }
    }

    /// The HTTP face: needs a host.
    pub fn endpoint(&self) -> Result<Endpoint> {
        let host = self.host.clone().ok_or_else(|| match &self.origin {
            Some(o) => Error::Config(format!(
                "{}: section [{}] has no host – add host = <IP of the berofos> (xivo-berofos scan -x finds it)",
                o,
                self.name.as_deref().unwrap_or("?")
            )),
            None => Error::Usage("no host given – use -h HOST or -f NAME".into()),
        })?;
        Ok(Endpoint {
            host,
            port: self.port,
            login: self.login.clone(),
        })
    }

    /// The GBL4 face: needs a MAC; goes to the host when known, else broadcast.
    pub fn gbl4_target(&self) -> Result<(Ipv4Addr, Mac)> {
        let mac = self.mac.ok_or_else(|| match &self.origin {
            Some(o) => Error::Config(format!(
                "{}: section [{}] has no mac – add mac = XX:XX:XX:XX:XX:XX (xivo-berofos scan -x finds it)",
                o,
                self.name.as_deref().unwrap_or("?")
            )),
            None => Error::Usage("this command needs the berofos's MAC – use -m MAC or -f NAME".into()),
        })?;
        let dest = match &self.host {
            None => Ipv4Addr::BROADCAST,
            Some(h) => resolve_v4(h).map_err(|p| self.fail(p))?,
        };
        Ok((dest, mac))
    }
}

/// An IPv4 address for a host name or address text.
pub fn resolve_v4(host: &str) -> Result<Ipv4Addr, Problem> {
    if let Ok(ip) = host.parse() {
        return Ok(ip);
    }
    (host, 0)
        .to_socket_addrs()
        .ok()
        .and_then(|mut it| {
            it.find_map(|a| match a.ip() {
                std::net::IpAddr::V4(v4) => Some(v4),
                _ => None,
            })
        })
        .ok_or_else(|| Problem::Network(format!("cannot resolve host name '{host}'")))
}

/// Command-line choice of device(s).
#[derive(Clone, Debug, Default)]
pub struct Selector {
    pub section: Option<String>,
    pub mac: Option<Mac>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub login: Option<Login>,
}

impl Selector {
    /// The device named on the command line, without HTTP details.
    pub fn of(w: &crate::cli::Which) -> Selector {
        Selector {
            section: w.section.clone(),
            mac: w.mac,
            host: w.host.clone(),
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.section.is_none() && self.mac.is_none() && self.host.is_none()
    }

    /// One device: `-f NAME` from the configuration, or `-m`/`-h` given directly.
    pub fn one(&self, cfg: Option<&ConfigFile>, config_path: &std::path::Path) -> Result<Device> {
        if let Some(name) = &self.section {
            if self.mac.is_some() || self.host.is_some() {
                return Err(Error::Usage(
                    "-f NAME cannot be combined with -m or -h: choose one way to name the berofos"
                        .into(),
                ));
            }
            let cfg = cfg.ok_or_else(|| {
                Error::Config(format!(
                    "{} does not exist, so -f {name} names nothing – create it with xivo-berofos scan -x",
                    config_path.display()
                ))
            })?;
            let mut d = Device::from_section(cfg, cfg.section(name)?)?;
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
