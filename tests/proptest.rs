//! Property tests: GBL4 frames and netconf payloads round-trip between the client's
//! codec and the simulator's (two implementations of docs/protocol.md §2, written
//! apart: each checks the other), decoders never panic, and `/etc/bnfos.conf` keeps
//! every section, key and literal value through render → parse, merge → parse and
//! save → load.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::Path;
use xivo_berofos::config::{save_atomic, ConfigFile};
use xivo_berofos::gbl4::{self, NetConf, SetNetConf};
use xivo_berofos::mac::Mac;
use xivo_berofos::settings::ConfigTxt;

/// The simulator's side of §2 (the device's encoder of netconf answers, its decoder of
/// frames and of "set netconf").
use berofos_sim::proto::{gbl4 as dev, mac::Mac as DevMac};

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn mac() -> impl Strategy<Value = Mac> {
    any::<[u8; 6]>().prop_map(Mac)
}

fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

/// A netconf answer as a device sends it (§2.3).
fn netconf() -> impl Strategy<Value = dev::NetConf> {
    (
        any::<[u8; 6]>(),
        any::<u16>(),
        any::<(u8, u8)>(),
        any::<(u8, u8)>(),
        any::<bool>(),
        (ipv4(), ipv4(), ipv4()),
        any::<(u8, u8, u8)>(),
        any::<u16>(),
    )
        .prop_map(
            |(
                mac,
                hw_magic,
                bootloader,
                firmware,
                flash_mode,
                (ip, netmask, gateway),
                (phy_conf, phy_state, options),
                http_port,
            )| dev::NetConf {
                mac: DevMac(mac),
                hw_magic,
                bootloader,
                firmware,
                flash_mode,
                ip,
                netmask,
                gateway,
                phy_conf,
                phy_state,
                options,
                http_port,
            },
        )
}

/// The client's reading of a netconf answer, in the simulator's terms.
fn as_dev(n: &NetConf) -> dev::NetConf {
    dev::NetConf {
        mac: DevMac(n.mac.0),
        hw_magic: n.hw_magic,
        bootloader: n.bootloader,
        firmware: n.firmware,
        flash_mode: n.flash_mode,
        ip: n.ip,
        netmask: n.netmask,
        gateway: n.gateway,
        phy_conf: n.phy_conf,
        phy_state: n.phy_state,
        options: n.options,
        http_port: n.http_port,
    }
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn gbl4_frame_round_trips(cmd in any::<u8>(), payload in vec(any::<u8>(), 0..700)) {
        let d = gbl4::encode(cmd, &payload);
        prop_assert_eq!(d.len(), payload.len() + 6);
        // The client and the device frame alike, and read each other's frames.
        prop_assert_eq!(&dev::encode(cmd, &payload), &d);
        let f = dev::decode(&d).expect("the device reads the client's frame");
        prop_assert_eq!((f.cmd, f.payload), (cmd, &payload[..]));
        let f = gbl4::decode(&d).expect("the client reads the device's frame");
        prop_assert_eq!((f.cmd, f.payload), (cmd, &payload[..]));
    }

    #[test]
    fn gbl4_one_flipped_bit_is_refused(cmd in any::<u8>(), payload in vec(any::<u8>(), 0..64), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut d = gbl4::encode(cmd, &payload);
        let i = at.index(d.len());
        d[i] ^= 1 << bit;
        prop_assert!(gbl4::decode(&d).is_err());
        prop_assert!(dev::decode(&d).is_err());
    }

    #[test]
    fn gbl4_decode_never_panics(bytes in vec(any::<u8>(), 0..2048), prefixed in any::<bool>()) {
        let mut d = bytes;
        if prefixed && d.len() >= 4 {
            d[..4].copy_from_slice(&gbl4::PREFIX);
        }
        match (gbl4::decode(&d), dev::decode(&d)) {
            (Ok(f), Ok(g)) => {
                prop_assert_eq!((f.cmd, f.payload), (g.cmd, g.payload));
                // What decodes re-encodes to the same bytes.
                prop_assert_eq!(gbl4::encode(f.cmd, f.payload), d.clone());
            }
            (Err(_), Err(_)) => {}
            (f, g) => prop_assert!(false, "client {:?}, device {:?}", f.is_ok(), g.is_ok()),
        }
        let _ = NetConf::decode(&d);
    }

    #[test]
    fn netconf_round_trips(n in netconf()) {
        // The device's answer, as the client reads it.
        let p = n.encode();
        prop_assert_eq!(p.len(), NetConf::LEN);
        prop_assert_eq!(NetConf::decode(&p).map(|c| as_dev(&c)), Some(n.clone()));
        // Inside a frame, as a scan answer travels.
        let d = dev::encode(gbl4::cmd::GET_NETCONF, &p);
        let f = gbl4::decode(&d).unwrap();
        prop_assert_eq!(f.cmd, dev::cmd::GET_NETCONF);
        prop_assert_eq!(NetConf::decode(f.payload).map(|c| as_dev(&c)), Some(n));
    }

    #[test]
    fn netconf_bytes_read_alike(mut p in any::<[u8; 30]>(), flash in any::<bool>(), longer in vec(any::<u8>(), 0..4)) {
        p[12] = flash as u8;
        let n = NetConf::decode(&p).unwrap();
        let _ = (n.link(), n.is_berofos(), n.dhcp(), n.auth());
        prop_assert_eq!(Some(as_dev(&n)), dev::NetConf::decode(&p));
        prop_assert_eq!(dev::NetConf::decode(&p).unwrap().encode(), p.to_vec());
        // Bytes after the 30th change nothing; fewer than 30 are no answer.
        let mut q = p.to_vec();
        q.extend_from_slice(&longer);
        prop_assert_eq!(NetConf::decode(&q), Some(n));
        prop_assert!(NetConf::decode(&p[..29]).is_none());
    }

    #[test]
    fn set_netconf_reaches_the_device(mac in mac(), ip in ipv4(), nm in ipv4(), gw in ipv4(), phy in any::<u8>(), opt in any::<u8>(), port in any::<u16>()) {
        let s = SetNetConf { mac, ip, netmask: nm, gateway: gw, phy_conf: phy, options: opt, http_port: port };
        let p = s.encode();
        prop_assert_eq!(p.len(), SetNetConf::LEN);
        let want = dev::SetNetConf { mac: DevMac(mac.0), ip, netmask: nm, gateway: gw, phy_conf: phy, options: opt, http_port: port };
        prop_assert_eq!(dev::SetNetConf::decode(&p), Some(want));
    }

    #[test]
    fn firmware_pages_rebuild_the_file(data in vec(any::<u8>(), 1..3000)) {
        let fw = gbl4::Firmware::from_bytes(&data);
        prop_assert_eq!(fw.pages.len(), data.len().div_ceil(gbl4::PAGE));
        let joined: Vec<u8> = fw.pages.iter().flatten().copied().collect();
        prop_assert_eq!(&joined[..data.len()], &data[..]);
        prop_assert!(joined[data.len()..].iter().all(|&b| b == 0));
    }
}

// ---------------------------------------------------------------------------------
// config.txt

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn config_txt_parse_never_panics(body in ".{0,400}", bytes in vec(any::<u8>(), 0..400)) {
        let _ = ConfigTxt::parse(&body);
        let _ = ConfigTxt::parse(&String::from_utf8_lossy(&bytes));
        let with_magic = format!("junk\r\nbnfos_confmap_magic=0.1\r\n{body}");
        prop_assert!(ConfigTxt::parse(&with_magic).is_some());
    }

    #[test]
    fn config_txt_keeps_every_value(
        values in btree_map("[0-9]_[a-z]{1,8}", "[ -~&&[^=]]{0,20}", 0..20),
        crlf in any::<bool>(),
        preamble in "[a-z <>/]{0,30}",
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut body = format!("{preamble}{nl}bnfos_confmap_magic=0.1{nl}");
        for (k, v) in &values {
            body.push_str(&format!("{k}={v}{nl}"));
        }
        let c = ConfigTxt::parse(&body).expect("magic present");
        prop_assert!(c.version_warning.is_none());
        for (k, v) in &values {
            prop_assert_eq!(c.values.get(k).map(String::as_str), Some(v.trim()));
        }
    }
}

// ---------------------------------------------------------------------------------
// /etc/bnfos.conf

/// One section as a generator sees it.
#[derive(Clone, Debug)]
struct Sec {
    name: String,
    mac: Option<Mac>,
    host: Option<String>,
    login: Option<(String, String)>,
    port: Option<u16>,
    /// Rendering variations: upper-case keys, no blanks around `=`, CRLF, comments.
    style: u8,
}

/// Passwords: printable ASCII with `:`, `#`, `;`, `\`, `&`, `=`, `[`, blanks inside,
/// and a few non-ASCII letters; no blank at either end (values are trimmed).
fn password() -> impl Strategy<Value = String> {
    "[!-~]([ -~éß€]{0,18}[!-~])?"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        ipv4().prop_map(|a| a.to_string()),
        "[a-z][a-z0-9-]{0,10}(\\.[a-z0-9-]{1,8}){0,2}",
    ]
}

fn section() -> impl Strategy<Value = Sec> {
    (
        "[A-Za-z0-9_.-]([A-Za-z0-9_. -]{0,10}[A-Za-z0-9_.-])?",
        proptest::option::of(mac()),
        proptest::option::of(host()),
        proptest::option::of(("[a-z][a-z0-9_.-]{0,8}", password())),
        proptest::option::of(1u16..=65535),
        any::<u8>(),
    )
        .prop_map(|(name, mac, host, login, port, style)| Sec {
            name,
            mac,
            host,
            login,
            port,
            style,
        })
}

/// Sections with distinct names (ignoring case, as the parser matches them) and distinct MACs.
fn sections() -> impl Strategy<Value = Vec<Sec>> {
    vec(section(), 0..6).prop_map(|v| {
        let (mut names, mut macs) = (BTreeSet::new(), BTreeSet::new());
        v.into_iter()
            .filter(|s| names.insert(s.name.to_ascii_lowercase()))
            .filter(|s| s.mac.map_or(true, |m| macs.insert(m)))
            .collect()
    })
}

fn render(secs: &[Sec]) -> String {
    // A byte-order mark, as some Windows editors write it, before a comment or
    // right before the first section header.
    let mut t = match secs.first().map(|s| s.style & 0b1100_0000) {
        Some(0b1000_0000) => "\u{feff}# written by hand\n".to_string(),
        Some(0b1100_0000) => "\u{feff}".to_string(),
        _ => "# written by hand\n".to_string(),
    };
    for s in secs {
        let nl = if s.style & 1 != 0 { "\r\n" } else { "\n" };
        let key = |k: &str| {
            if s.style & 2 != 0 {
                k.to_ascii_uppercase()
            } else {
                k.to_string()
            }
        };
        let eq = if s.style & 4 != 0 { "=" } else { " = " };
        t.push_str(&format!("[{}]{nl}", s.name));
        if s.style & 8 != 0 {
            t.push_str(&format!("  ; a comment with = and [brackets]{nl}"));
        }
        if let Some(m) = s.mac {
            let m = if s.style & 16 != 0 {
                m.to_string().to_lowercase()
            } else {
                m.to_string()
            };
            t.push_str(&format!("{}{eq}{m}{nl}", key("mac")));
        }
        if let Some(h) = &s.host {
            t.push_str(&format!("{}{eq}{h}{nl}", key("host")));
        } else if s.style & 32 != 0 {
            t.push_str(&format!(";host = 0.0.0.0{nl}"));
        }
        match &s.login {
            Some((u, p)) => t.push_str(&format!("{}{eq}{u}:{p}{nl}", key("login"))),
            None => t.push_str(&format!("#login = <user>:<password>{nl}")),
        }
        if let Some(p) = s.port {
            t.push_str(&format!("{}{eq}{p}{nl}", key("port")));
        }
        if s.style & 64 != 0 {
            t.push_str(&format!("{nl}# trailing comment{nl}{nl}"));
        }
    }
    t
}

fn check_sections(cfg: &ConfigFile, secs: &[Sec]) -> Result<(), TestCaseError> {
    prop_assert_eq!(cfg.sections.len(), secs.len(), "{:?}", cfg.sections);
    prop_assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    for (got, want) in cfg.sections.iter().zip(secs) {
        prop_assert!(got.errors.is_empty(), "{:?}", got.errors);
        prop_assert_eq!(&got.name, &want.name);
        prop_assert_eq!(got.mac, want.mac);
        prop_assert_eq!(&got.host, &want.host);
        prop_assert_eq!(
            got.login
                .as_ref()
                .map(|l| (l.user.clone(), l.password.clone())),
            want.login.clone()
        );
        prop_assert_eq!(got.port, want.port);
    }
    Ok(())
}

fn parse(text: &str) -> ConfigFile {
    ConfigFile::parse(Path::new("/etc/bnfos.conf"), text)
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn config_render_then_parse_keeps_everything(secs in sections()) {
        check_sections(&parse(&render(&secs)), &secs)?;
    }

    #[test]
    fn config_parse_never_panics(text in "(\\[?[a-z =:#;\\[\\]\\\\]{0,20}\\]?\r?\n){0,20}", bytes in vec(any::<u8>(), 0..600)) {
        for t in [text, String::from_utf8_lossy(&bytes).into_owned()] {
            let c = parse(&t);
            let _ = c.merge(&[(Mac([0, 0x19, 0x32, 0, 0, 1]), Ipv4Addr::new(10, 0, 0, 1), 80)]);
        }
    }

    #[test]
    fn merge_keeps_old_sections_and_adds_new_ones(
        secs in sections(),
        new in vec((mac(), ipv4(), 1u16..=65535), 0..5),
        pick in vec((any::<prop::sample::Index>(), ipv4()), 0..4),
    ) {
        let text = render(&secs);
        let cfg = parse(&text);
        // Found: some known MACs (maybe at another address), and new ones.
        let known: Vec<&Sec> = secs.iter().filter(|s| s.mac.is_some()).collect();
        let mut found: Vec<(Mac, Ipv4Addr, u16)> = Vec::new();
        let mut seen = BTreeSet::new();
        if !known.is_empty() {
            for (i, ip) in &pick {
                let s = known[i.index(known.len())];
                let m = s.mac.unwrap();
                if seen.insert(m) {
                    found.push((m, *ip, 80));
                }
            }
        }
        for (m, ip, port) in &new {
            if secs.iter().all(|s| s.mac != Some(*m)) && seen.insert(*m) {
                found.push((*m, *ip, *port));
            }
        }
        let (merged, changes) = cfg.merge(&found);
        prop_assert_eq!(changes.len(), found.len());
        let after = parse(&merged);
        prop_assert!(after.warnings.is_empty(), "{:?}\n{}", after.warnings, merged);
        let added = found.iter().filter(|f| secs.iter().all(|s| s.mac != Some(f.0))).count();
        prop_assert_eq!(after.sections.len(), secs.len() + added, "{}", merged);
        // Every old section: same name, login, port, mac; host = the found address
        // when one was found and the section has no login, else as it was.
        for (got, want) in after.sections.iter().zip(&secs) {
            prop_assert!(got.errors.is_empty(), "{:?}\n{}", got.errors, merged);
            prop_assert_eq!(&got.name, &want.name);
            prop_assert_eq!(got.mac, want.mac);
            prop_assert_eq!(
                got.login.as_ref().map(|l| (l.user.clone(), l.password.clone())),
                want.login.clone()
            );
            prop_assert_eq!(got.port, want.port);
            // (A section with a login keeps its host: only scan -x --update-hosts moves it.)
            let now = found
                .iter()
                .find(|f| Some(f.0) == want.mac && !f.1.is_unspecified() && want.login.is_none());
            prop_assert_eq!(got.host.clone(), now.map(|f| f.1.to_string()).or(want.host.clone()), "{}", merged);
        }
        // Every new MAC: exactly one new fosN section with its address and port.
        let names: BTreeSet<&str> = after.sections.iter().map(|s| s.name.as_str()).collect();
        prop_assert_eq!(names.len(), after.sections.len(), "names are unique");
        for (m, ip, port) in found.iter().filter(|f| secs.iter().all(|s| s.mac != Some(f.0))) {
            let hits: Vec<_> = after.sections.iter().filter(|s| s.mac == Some(*m)).collect();
            prop_assert_eq!(hits.len(), 1);
            let s = hits[0];
            prop_assert!(s.name.starts_with("fos") && s.errors.is_empty());
            prop_assert_eq!(s.host.clone(), (!ip.is_unspecified()).then(|| ip.to_string()));
            prop_assert_eq!(s.http_port(), *port);
            prop_assert!(s.login.is_none());
        }
        // Merging the same again changes nothing.
        let (again, _) = after.merge(&found);
        prop_assert_eq!(again, merged);
    }
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn config_save_then_load_keeps_everything(secs in sections()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bnfos.conf");
        let text = render(&secs);
        save_atomic(&path, &text).unwrap();
        prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), text.clone());
        let loaded = ConfigFile::load(&path).unwrap().expect("file exists");
        check_sections(&loaded, &secs)?;
        // Nothing else left in the folder (no temporary file).
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        prop_assert_eq!(left.len(), 1, "{:?}", left);
        use std::os::unix::fs::PermissionsExt;
        prop_assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
