//! The `silkway` command: one binary for everything an operator or a trader runs by hand.
//!
//! This file only parses the command line and dispatches; each subcommand lives in its own
//! module and holds no domain rules (those are in `trade-docs`). Errors are reported once, on
//! stderr, as `error: <file>: <place>: <problem>`, with exit code 1 (2 for a usage error).
#![forbid(unsafe_code)]

mod ca;
mod docs;
mod input;
mod keys;
mod sim;

use clap::{Parser, Subcommand};

/// SilkwayChain: a permissioned ledger for the Kazakhstan–China trade corridor.
#[derive(Debug, Parser)]
#[command(name = "silkway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The consortium CA: create a jurisdiction's root, issue and show participant certificates.
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// Import, export, fingerprint, sign, verify and examine trade documents offline.
    #[command(subcommand)]
    Docs(docs::DocsCommand),
    /// Generate signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Run the consensus engine's deterministic simulation over many seeds.
    Sim(sim::SimArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ca(command) => ca::run(command),
        Command::Docs(command) => docs::run(command),
        Command::Keys(command) => keys::run(command),
        Command::Sim(args) => sim::run_command(args),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
