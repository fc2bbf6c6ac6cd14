//! One simulated berofos: its identity, its settings and what the faces do to them.
//!
//! Settings are kept by their name in the simulator's own table ([`SETTINGS`], written
//! from docs/protocol.md §1.3); the write requests they answer and the `config.txt`
//! keys they show are derived from that table, never written again here.

use crate::fault::Faults;
use crate::proto::gbl4::{classful_netmask, NetConf, SetNetConf, OPT_AUTH, OPT_DHCP};
use crate::proto::mac::Mac;
use crate::proto::settings::{Setting, Type, MAGIC, SETTINGS};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Mutex, MutexGuard};

/// The default user name of the web interface.
pub const DEFAULT_USER: &str = "admin";

/// What never changes while the simulator runs.
#[derive(Debug, Clone)]
pub struct Identity {
    /// 1-based.
    pub index: usize,
    pub mac: Mac,
    pub ip: Ipv4Addr,
    pub http_port: u16,
}

impl Identity {
    /// `fos1`, `fos2`, … as in the configuration file.
    pub fn name(&self) -> String {
        format!("fos{}", self.index)
    }
}

/// A firmware upload in progress (GBL4 flash prepare / page).
#[derive(Debug, Default, Clone)]
pub struct FlashUpload {
    pub page_count: u16,
    pub crc_expected: u8,
    /// XOR of each page received, by index (a resent page replaces itself).
    pub pages: BTreeMap<u16, u8>,
}

impl FlashUpload {
    /// XOR of every byte received; zero padding does not change it, so it compares
    /// with the crc of the unpadded file.
    pub fn crc_received(&self) -> u8 {
        self.pages.values().fold(0, |a, b| a ^ b)
    }

    pub fn complete(&self) -> bool {
        self.page_count > 0
            && self.pages.len() == self.page_count as usize
            && self.crc_received() == self.crc_expected
    }
}

/// Everything that the faces, the control port and power cycles change.
#[derive(Debug, Clone)]
pub struct DeviceState {
    /// Value of every setting with a value, by name, as `config.txt` would give it
    /// after normalising (booleans `0`/`1`).
    pub settings: BTreeMap<&'static str, String>,
    pub user: String,
    /// The admin password (`apwd`).
    pub password: String,
    pub flash_mode: bool,
    /// Active faults (but `flash`, which is `flash_mode`).
    pub faults: Faults,
    pub upload: FlashUpload,
    pub phy_conf: u8,
    pub http_requests: u64,
    pub gbl4_requests: u64,
    pub smtp_tests: u64,
}

/// The factory value of a setting, for a device at `ip` listening on `port`.
fn factory_value(name: &str, ip: Ipv4Addr, port: u16) -> String {
    match name {
        "power1" | "power2" | "power1def" | "power2def" | "dhcp" | "wdog" | "wdogdef"
        | "wdogstate" => "1".into(),
        "hostname" => "berofos".into(),
        "address" => ip.to_string(),
        "netmask" => classful_netmask(ip).to_string(),
        "gateway" | "dns" | "slgip" => "0.0.0.0".into(),
        "port" => port.to_string(),
        "slgpt" => "514".into(),
        "wdogitime" | "wdogrtime" => "60".into(),
        "smtpserv" | "smtpfrom" | "smtpto" => String::new(),
        _ => "0".into(),
    }
}

impl DeviceState {
    pub fn factory(id: &Identity) -> DeviceState {
        DeviceState {
            settings: SETTINGS
                .iter()
                .filter(|s| s.has_value())
                .map(|s| (s.name, factory_value(s.name, id.ip, id.http_port)))
                .collect(),
            user: DEFAULT_USER.into(),
            password: String::new(),
            flash_mode: false,
            faults: Faults::default(),
            upload: FlashUpload::default(),
            phy_conf: 3,
            http_requests: 0,
            gbl4_requests: 0,
            smtp_tests: 0,
        }
    }

    pub fn get(&self, name: &str) -> &str {
        self.settings.get(name).map(String::as_str).unwrap_or("")
    }

    fn flag(&self, name: &str) -> bool {
        self.get(name) == "1"
    }

    fn put(&mut self, name: &'static str, value: impl Into<String>) {
        self.settings.insert(name, value.into());
    }

    /// Whether HTTP requests need credentials.
    pub fn auth_on(&self) -> bool {
        self.flag("pwd")
    }

    /// Applies one setting as the device does; `Err` says why the value was refused.
    /// The control port comes here too, and may set the reported numbers.
    pub fn set(&mut self, s: &'static Setting, value: &str) -> Result<(), String> {
        let v = s.accept(value)?;
        match s.ty {
            Type::Action => self.smtp_tests += 1,
            Type::Password => self.password = v,
            _ => {
                self.put(s.name, v);
                if s.name == "wdog" {
                    self.restart_watchdog();
                }
            }
        }
        Ok(())
    }

    /// The watchdog state after `wdog` changes or a kick: on and full time, or off.
    fn restart_watchdog(&mut self) {
        if self.flag("wdog") {
            let itime = self.get("wdogitime").to_string();
            self.put("wdogstate", "1");
            self.put("wdogrtime", itime);
        } else {
            self.put("wdogstate", "0");
        }
    }

    /// GBL4 kick: the watchdog starts its interval again.
    pub fn kick(&mut self) {
        if self.flag("wdog") {
            self.restart_watchdog();
        }
    }

    /// Applies a write request (`GET /?cmd=…`): every row of the table whose fixed
    /// pairs are all in the query and whose value parameter is present (the web UI's
    /// forms send several at once). True when at least one was applied.
    pub fn apply_query(&mut self, pairs: &[(String, String)]) -> bool {
        let has = |k: &str, v: &str| pairs.iter().any(|(pk, pv)| pk == k && pv == v);
        let value_of = |k: &str| pairs.iter().find(|(pk, _)| pk == k).map(|(_, v)| v);
        let mut applied = false;
        for s in SETTINGS {
            let Some(req) = s.request() else {
                continue;
            };
            if !req.fixed.iter().all(|(k, v)| has(k, v)) {
                continue;
            }
            let value = match req.value {
                Some(p) => match value_of(p) {
                    Some(v) => v.clone(),
                    None => continue,
                },
                None => String::new(),
            };
            applied |= self.set(s, &value).is_ok();
        }
        applied
    }

    /// The body of `GET /config.txt`, as the web UI writes it: a first line that is
    /// not configuration, the magic, then every readable setting. Check boxes of the
    /// forms (keys `1_`, `2_`, `3_`) show as `checked`/empty.
    pub fn config_txt(&self, crlf: bool) -> String {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut out = format!("<!-- berofos -->{nl}{MAGIC}{nl}");
        for s in SETTINGS {
            let Some(key) = s.key else { continue };
            let raw = self.get(s.name);
            let value =
                if s.ty == Type::Bool && ["1_", "2_", "3_"].iter().any(|p| key.starts_with(p)) {
                    if raw == "1" {
                        "checked"
                    } else {
                        ""
                    }
                } else {
                    raw
                };
            out.push_str(&format!("{key}={value}{nl}"));
        }
        out
    }

    fn addr(&self, name: &str) -> Ipv4Addr {
        self.get(name).parse().unwrap_or(Ipv4Addr::UNSPECIFIED)
    }

    /// The answer to GBL4 "get netconf".
    pub fn netconf(&self, id: &Identity) -> NetConf {
        let mut options = 0;
        if self.flag("dhcp") {
            options |= OPT_DHCP;
        }
        if self.auth_on() {
            options |= OPT_AUTH;
        }
        NetConf {
            mac: id.mac,
            hw_magic: 0x0050,
            bootloader: (1, 2),
            firmware: (1, 53),
            flash_mode: self.flash_mode,
            ip: self.addr("address"),
            netmask: self.addr("netmask"),
            gateway: self.addr("gateway"),
            phy_conf: self.phy_conf,
            phy_state: 7,
            options,
            http_port: self.get("port").parse().unwrap_or(80),
        }
    }

    /// GBL4 "set netconf" (flash mode).
    pub fn set_netconf(&mut self, n: &SetNetConf) {
        self.put("address", n.ip.to_string());
        self.put("netmask", n.netmask.to_string());
        self.put("gateway", n.gateway.to_string());
        self.put("dhcp", if n.options & OPT_DHCP != 0 { "1" } else { "0" });
        self.put("pwd", if n.options & OPT_AUTH != 0 { "1" } else { "0" });
        self.put("port", n.http_port.to_string());
        self.phy_conf = n.phy_conf;
    }

    /// GBL4 "reset": factory settings (no password); flash mode, faults and counters stay.
    pub fn factory_reset(&mut self, id: &Identity) {
        let fresh = DeviceState::factory(id);
        self.settings = fresh.settings;
        self.user = fresh.user;
        self.password = fresh.password;
        self.phy_conf = fresh.phy_conf;
        self.upload = FlashUpload::default();
    }

    /// Power off and on: the power-up defaults apply; flash mode only if asked
    /// (the button held).
    pub fn power_cycle(&mut self, flash: bool) {
        for (live, def) in [
            ("mode", "modedef"),
            ("wdog", "wdogdef"),
            ("power1", "power1def"),
            ("power2", "power2def"),
        ] {
            let v = self.get(def).to_string();
            self.put(live, v);
        }
        self.restart_watchdog();
        self.flash_mode = flash;
        self.upload = FlashUpload::default();
    }

    /// The whole state, for the control port.
    pub fn to_json(&self, id: &Identity, udp_port: u16) -> Value {
        let settings: Map<String, Value> = self
            .settings
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
            .collect();
        json!({
            "index": id.index,
            "name": id.name(),
            "mac": id.mac,
            "host": id.ip.to_string(),
            "http_port": id.http_port,
            "udp_port": udp_port,
            "settings": settings,
            "user": self.user,
            "password": self.password,
            "flash_mode": self.flash_mode,
            "fault": self.faults.with_flash(self.flash_mode).to_string(),
            "http_listening": self.http_listening(),
            "page_count": self.upload.page_count,
            "crc_expected": self.upload.crc_expected,
            "pages_received": self.upload.pages.len(),
            "crc_received": self.upload.crc_received(),
            "flash_complete": self.upload.complete(),
            "phy_conf": self.phy_conf,
            "http_requests": self.http_requests,
            "gbl4_requests": self.gbl4_requests,
            "smtp_tests": self.smtp_tests,
        })
    }

    /// The HTTP face is down in flash mode and when the device is dead.
    pub fn http_listening(&self) -> bool {
        !self.flash_mode && !self.faults.dead
    }
}

/// A simulated berofos: identity, state, and its HTTP listener while it has one.
pub struct Device {
    pub id: Identity,
    pub state: Mutex<DeviceState>,
    /// `None` while the HTTP face is down (flash mode, `dead`).
    pub listener: Mutex<Option<TcpListener>>,
}

/// Locks a mutex even if a thread panicked while holding it (the state stays usable).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Device {
    pub fn new(id: Identity) -> Device {
        Device {
            state: Mutex::new(DeviceState::factory(&id)),
            id,
            listener: Mutex::new(None),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, DeviceState> {
        lock(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::settings::lookup;
    use crate::wire::percent_decode;

    fn id() -> Identity {
        Identity {
            index: 1,
            mac: Mac([0, 0x19, 0x32, 0, 0, 1]),
            ip: Ipv4Addr::new(127, 0, 0, 2),
            http_port: 8080,
        }
    }

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.into(), percent_decode(v)))
            .collect()
    }

    #[test]
    fn config_txt_reads_back_every_setting() {
        let st = DeviceState::factory(&id());
        let body = st.config_txt(false);
        assert!(body.starts_with("<!-- berofos -->\nbnfos_confmap_magic=0.1\n"));
        assert!(body.contains("1_p0=checked\n") && body.contains("4_mode=0\n"));
        // One line per readable row, in table order, after the magic.
        let lines: Vec<&str> = body.lines().skip(2).collect();
        let readable: Vec<&Setting> = SETTINGS.iter().filter(|s| s.key.is_some()).collect();
        assert_eq!(lines.len(), readable.len());
        for (line, s) in lines.iter().zip(readable) {
            let (key, value) = line.split_once('=').unwrap();
            assert_eq!(Some(key), s.key, "{}", s.name);
            let value = match value {
                "checked" => "1",
                "" if s.ty == Type::Bool => "0",
                v => v,
            };
            assert_eq!(value, st.get(s.name), "{}", s.name);
        }
        assert!(st.config_txt(true).contains("4_mode=0\r\n"));
    }

    #[test]
    fn write_requests_follow_the_table() {
        let mut st = DeviceState::factory(&id());
        assert!(st.apply_query(&pairs("cmd=4&mode=1")));
        assert_eq!(st.get("mode"), "1");
        assert!(st.apply_query(&pairs("cmd=5&p=1&s=0")));
        assert_eq!((st.get("power1"), st.get("power2")), ("1", "0"));
        assert!(st.apply_query(&pairs("cmd=3&apwd=se%26cret")));
        assert_eq!(st.password, "se&cret");
        assert!(st.apply_query(&pairs("cmd=7")));
        assert_eq!(st.smtp_tests, 1);
        assert!(st.apply_query(&pairs("cmd=6&wen=0")));
        assert_eq!((st.get("wdog"), st.get("wdogdef")), ("0", "1"));
        assert_eq!(st.get("wdogstate"), "0");
        // Unknown, missing value, bad value.
        assert!(!st.apply_query(&pairs("cmd=9&x=1")));
        assert!(!st.apply_query(&pairs("cmd=4")));
        assert!(!st.apply_query(&pairs("cmd=4&mode=7")));
        assert!(!st.apply_query(&pairs("cmd=4&mode=yes")));
        assert_eq!(st.get("mode"), "1");
        // A web form's group of settings in one request.
        assert!(st.apply_query(&pairs("cmd=2&wen=0&men=1&wintv=30")));
        assert_eq!(
            (st.get("wdogdef"), st.get("wdogmail"), st.get("wdogitime")),
            ("0", "1", "30")
        );
    }

    #[test]
    fn power_cycle_and_reset() {
        let mut st = DeviceState::factory(&id());
        st.set(lookup("mode").unwrap(), "1").unwrap();
        st.set(lookup("wdog").unwrap(), "0").unwrap();
        st.power_cycle(true);
        assert_eq!((st.get("mode"), st.get("wdog")), ("0", "1"));
        assert!(st.flash_mode);
        st.set(lookup("pwd").unwrap(), "1").unwrap();
        st.factory_reset(&id());
        assert!(!st.auth_on() && st.flash_mode);
        let n = st.netconf(&id());
        assert_eq!(n.ip, Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(n.http_port, 8080);
        assert!(n.flash_mode);
        assert_eq!(n.options, OPT_DHCP);
    }
}
