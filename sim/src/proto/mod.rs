//! The berofos protocol as the simulator knows it, written from `docs/protocol.md`.
//!
//! These tables are the simulator's own: it never reads the client's (`xivo-berofos`'s
//! `src/settings.rs`, `src/gbl4.rs`, `src/mac.rs`). Two implementations written
//! from one page catch each other's mistakes: a wrong query or `config.txt` key in
//! either table fails a test (`tests/protocol.rs` of the workspace root), which it
//! could not while the simulator answered from the client's own table.
//!
//! - [`settings`]: the settings table (§1.3): name, type, set query, `config.txt` key.
//! - [`gbl4`]: GBL4 frames (§2.1), command bytes (§2.2), netconf payloads (§2.2, §2.3).
//! - [`mac`]: MAC addresses as the device and `bnfos.conf` write them.

pub mod gbl4;
pub mod mac;
pub mod settings;
