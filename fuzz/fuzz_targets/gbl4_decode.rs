//! GBL4 datagrams: decoding any bytes never panics; what decodes re-encodes to the
//! same bytes; netconf payloads decode without panicking and round-trip.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xivo_berofos::gbl4::{decode, encode, NetConf, SetNetConf};

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = decode(data) {
        assert_eq!(encode(f.cmd, f.payload), data);
        if let Some(n) = NetConf::decode(f.payload) {
            let _ = (n.link(), n.is_berofos());
            let mut p = [0u8; NetConf::LEN];
            p.copy_from_slice(&f.payload[..NetConf::LEN]);
            p[12] = (p[12] != 0) as u8;
            assert_eq!(n.encode(), p);
        }
    }
    let _ = NetConf::decode(data);
    if let Some(s) = SetNetConf::decode(data) {
        assert_eq!(s.encode(), data[..SetNetConf::LEN]);
    }
});
