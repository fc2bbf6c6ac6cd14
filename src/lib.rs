//! xivo-berofos: keeps a XiVO HA cluster's ISDN lines on the live server.
//!
//! # Layout
//! - [`mac`], [`settings`]: the words of the device (MAC addresses, the settings table).
//! - [`gbl4`]: the UDP face – frames, scan, netconf, flash, ping, kick, reset.
//! - [`error`]: errors as the admin reads them, and their exit status.
//! - [`ocf`]: the Pacemaker resource agent `ocf:xivo:berofos`.
pub mod config;
pub mod device;
pub mod error;
pub mod gbl4;
pub mod http;
pub mod lock;
pub mod log;
pub mod mac;
pub mod ocf;
pub mod relay;
pub mod settings;
pub mod signals;
