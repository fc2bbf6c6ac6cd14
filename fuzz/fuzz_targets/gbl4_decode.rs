//! GBL4 datagrams: decoding any bytes never panics; the client's decoder and the
//! simulator's (written apart from docs/protocol.md §2) take the same frames and read
//! the same netconf fields; what decodes re-encodes to the same bytes.
#![no_main]
use berofos_sim::proto::gbl4 as dev;
use libfuzzer_sys::fuzz_target;
use xivo_berofos::gbl4::{decode, encode, NetConf, SetNetConf};

fuzz_target!(|data: &[u8]| {
    match (decode(data), dev::decode(data)) {
        (Ok(f), Ok(g)) => {
            assert_eq!((f.cmd, f.payload), (g.cmd, g.payload));
            assert_eq!(encode(f.cmd, f.payload), data);
            if let Some(n) = NetConf::decode(f.payload) {
                let _ = (n.link(), n.is_berofos());
                let d = dev::NetConf::decode(f.payload).expect("both read 30 bytes");
                assert_eq!(
                    (n.mac.0, n.hw_magic, n.bootloader, n.firmware, n.flash_mode),
                    (d.mac.0, d.hw_magic, d.bootloader, d.firmware, d.flash_mode)
                );
                assert_eq!((n.ip, n.netmask, n.gateway), (d.ip, d.netmask, d.gateway));
                assert_eq!(
                    (n.phy_conf, n.phy_state, n.options, n.http_port),
                    (d.phy_conf, d.phy_state, d.options, d.http_port)
                );
                let mut p = f.payload[..NetConf::LEN].to_vec();
                p[12] = (p[12] != 0) as u8;
                assert_eq!(d.encode(), p);
            }
        }
        (Err(_), Err(_)) => {}
        (f, g) => panic!("client {:?}, simulator {:?}", f.is_ok(), g.is_ok()),
    }
    let _ = NetConf::decode(data);
    // What the client sends in "set netconf" is what the device reads.
    if let Some(s) = dev::SetNetConf::decode(data) {
        let c = SetNetConf {
            mac: xivo_berofos::mac::Mac(s.mac.0),
            ip: s.ip,
            netmask: s.netmask,
            gateway: s.gateway,
            phy_conf: s.phy_conf,
            options: s.options,
            http_port: s.http_port,
        };
        assert_eq!(c.encode(), data[..SetNetConf::LEN]);
    }
});
