//! The `silkway` command: one binary for everything an operator or a trader runs by hand.
//!
//! This file only parses the command line and dispatches; each subcommand lives in its own
//! module and holds no domain rules (those are in `trade-docs`). Errors are reported once, on
//! stderr, as `error: <file>: <place>: <problem>`, with exit code 1 (2 for a usage error).
#![forbid(unsafe_code)]

mod bench;
mod ca;
mod demo;
mod docs;
mod gateway;
mod input;
mod keys;
mod load;
mod network;
mod node;
mod peer_bench;
mod sim;
mod status;

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
    /// Lay out a local network (CAs, certificates, genesis, node configurations).
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Run one validator from its configuration file.
    Node(node::NodeArgs),
    /// Run a jurisdiction's gateway (HTTP API and pages) from its configuration file.
    Gateway(gateway::GatewayArgs),
    /// Print the current TOTP code for a secret (the demo users' second factor).
    Totp(gateway::TotpArgs),
    /// Start a local network of 4 Kazakh and 3 Chinese validators and run the corridor scenario.
    Demo(demo::DemoArgs),
    /// Show each validator's height, view, leader, peers and lag.
    Status(status::StatusArgs),
    /// Benchmark validator processes under load (or the hotstuff_rs peer, in-process).
    Bench(bench::BenchArgs),
    /// The load process of `silkway bench`.
    #[command(hide = true)]
    BenchLoad(load::LoadArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ca(command) => ca::run(command),
        Command::Docs(command) => docs::run(command),
        Command::Keys(command) => keys::run(command),
        Command::Sim(args) => sim::run_command(args),
        Command::Network(command) => network::run(command),
        Command::Node(args) => node::run(args),
        Command::Gateway(args) => gateway::run(args),
        Command::Totp(args) => gateway::totp(args),
        Command::Demo(args) => demo::run(args),
        Command::Status(args) => status::run(args),
        Command::Bench(args) => bench::run(args),
        Command::BenchLoad(args) => load::run(args),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
