//! A berofos as the commands see it: chosen by section (`-f`), MAC (`-m`) or host (`-h`),
//! named in every message as `fos1 (10.34.1.50)`.

use crate::config::{ConfigFile, Login, Section};
use crate::error::{Error, Problem, Result, Who};
use crate::http::Endpoint;
use crate::lock::{self, Lock, Purpose, Refused};
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
    /// The device of a section; [`crate::select`] checks the section first.
    pub fn from_section(cfg: &ConfigFile, s: &Section) -> Device {
        Device {
            name: Some(s.name.clone()),
            host: s.host.clone(),
            port: s.http_port(),
            login: s.login.clone(),
            mac: s.mac,
            origin: Some(format!("{}:{}", cfg.path.display(), s.line)),
        }
    }

    /// `fos1 (10.34.1.50)`, `10.34.1.50` or `00:19:32:00:12:1D`.
    pub fn label(&self) -> String {
        self.who().label()
    }

    /// This device as errors carry it.
    pub fn who(&self) -> Who {
        Who {
            name: self.name.clone(),
            at: self
                .host
                .clone()
                .or_else(|| self.mac.map(|m| m.to_string())),
            sel: self.sel(),
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
            who: Box::new(self.who()),
            problem,
        }
    }

    /// The HTTP face: needs a host.
    pub fn endpoint(&self) -> Result<Endpoint> {
        let host = self.host.clone().ok_or_else(|| match &self.origin {
            Some(o) => Error::Config(no_host(o, self.name.as_deref().unwrap_or("?"))),
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

impl Device {
    /// The names of this berofos's locks (see [`crate::lock`]): its MAC, and its host
    /// resolved to IPv4 (as written when it cannot be resolved) with its HTTP port.
    pub fn lock_keys(&self) -> Vec<String> {
        let ip = self.host.as_deref().map(|h| match resolve_v4(h) {
            Ok(ip) => ip.to_string(),
            Err(_) => h.to_string(),
        });
        lock::device_keys(self.mac, ip.as_deref(), self.port)
    }

    /// Takes this berofos's locks for `purpose`, waiting at most until `until`, or
    /// until `cancel`; a failure names this berofos and the holder.
    pub fn lock(
        &self,
        purpose: Purpose,
        until: std::time::Instant,
        cancel: crate::signals::Cancel,
    ) -> Result<Lock> {
        Lock::device(&self.lock_keys(), purpose, until, cancel).map_err(|r| match r {
            Refused::Open(m) => Error::System(m),
            Refused::Busy { holder, path } => self.fail(Problem::Busy {
                holder: holder.describe(),
                lock: path.display().to_string(),
                flashing: holder.long,
            }),
            Refused::Cancelled { .. } => self.fail(Problem::Cancelled(
                "interrupted by a signal while waiting for the lock of this berofos – nothing was changed on it".into(),
            )),
        })
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

/// The message for a section without a host; `origin` is `file:line`.
pub fn no_host(origin: &str, section: &str) -> String {
    format!(
        "{origin}: section [{section}] has no host – add host = <IP of the berofos> (xivo-berofos scan -x finds it)"
    )
}
