//! `/etc/bnfos.conf`: parsing any text never panics, and neither does merging a scan
//! into it; the merged text parses again with every old section kept.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::net::Ipv4Addr;
use std::path::Path;
use xivo_berofos::config::ConfigFile;
use xivo_berofos::mac::Mac;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let cfg = ConfigFile::parse(Path::new("/etc/bnfos.conf"), &text);
    for s in &cfg.sections {
        let _ = (s.http_port(), format!("{:?}", s.login));
    }
    // A scan that finds a known MAC at a new address and a new device.
    let mut found = vec![(Mac([0, 0x19, 0x32, 0xAB, 0xCD, 0xEF]), Ipv4Addr::new(10, 1, 2, 3), 8080)];
    if let Some(m) = cfg.sections.iter().find_map(|s| s.mac) {
        found.push((m, Ipv4Addr::new(10, 9, 8, 7), 80));
    }
    let (merged, _) = cfg.merge(&found);
    let again = ConfigFile::parse(Path::new("/etc/bnfos.conf"), &merged);
    // A duplicate section is named `NAME#dupLINE`: its line may move by the lines merged in.
    let name = |s: &xivo_berofos::config::Section| s.name.split("#dup").next().unwrap_or("").to_string();
    let old: Vec<_> = cfg.sections.iter().map(name).collect();
    let new: Vec<_> = again.sections.iter().map(name).collect();
    assert!(new.len() >= old.len() && new[..old.len()] == old[..], "merge lost a section");
});
