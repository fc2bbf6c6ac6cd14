//! `berofos-sim`: simulated berofos failover switches on loopback (see [`berofos_sim`]).
use clap::Parser;

fn main() {
    let args = berofos_sim::Args::parse();
    if let Err(e) = berofos_sim::run(args) {
        eprintln!("berofos-sim: error: {e}");
        std::process::exit(e.exit_code());
    }
}
