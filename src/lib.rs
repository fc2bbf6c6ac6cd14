//! xivo-berofos: keeps a XiVO HA cluster's ISDN lines on the live server.
//!
//! # Layout
//! - [`mac`], [`settings`]: the words of the device (MAC addresses, the settings table).
//! - [`gbl4`]: the UDP face – frames, scan, netconf, flash, ping, kick, reset.
//! - [`error`]: errors as the admin reads them, and their exit status.
//! - [`sim`]: the simulator behind the `berofos-sim` binary.
pub mod error;
pub mod gbl4;
pub mod mac;
pub mod settings;
pub mod sim;
