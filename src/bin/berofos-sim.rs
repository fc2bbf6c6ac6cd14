//! `berofos-sim`: simulated berofos failover switches on loopback (see [`xivo_berofos::sim`]).
use clap::Parser;

fn main() {
    let args = xivo_berofos::sim::Args::parse();
    if let Err(e) = xivo_berofos::sim::run(args) {
        eprintln!("berofos-sim: error: {e}");
        std::process::exit(e.exit_code());
    }
}
