//! SilkwayChain's replicated ledger: the project's own HotStuff engine.
//!
//! - [`engine`]: the sans-IO core (events in, effects out, time passed in);
//! - [`safety`]: the safety rules, small and isolated; [`pacemaker`], [`leader`]: rounds,
//!   timeouts and leader election; [`block_tree`]: pending blocks and the two-chain commit rule;
//! - [`validators`]: validator sets, quorums, signature checks; [`types`]: wire types;
//! - [`store`]: the records the engine persists, recovery from them, and the sled store;
//!   [`app`]: the port the ledger application implements; [`mempool`]: the bounded
//!   transaction queue;
//! - [`participant`]: the roles and facts of participants shared by identity, ledger and
//!   transport;
//! - [`identity`]: the consortium CA (issuing X.509 certificates), reading and verifying
//!   participant certificates, and the rustls configuration of mutual TLS between nodes;
//! - [`ledger`]: the trade ledger application (transactions, execution through the
//!   trade-docs state machines, admission, queries, the demo scenario);
//! - [`net`]: the QUIC transport between validators and the client protocol; [`node`]: the
//!   validator node that runs engine, store, ledger and transport together;
//! - [`sim`]: deterministic simulation and Twins over a seeded faulty network;
//! - `peer_bench` (cargo feature `peer-bench`, off by default): our engine against the
//!   `hotstuff_rs` crate, both in one process, for `cargo bench --bench peer` and `silkway bench`.
#![forbid(unsafe_code)]

pub mod app;
pub mod block_tree;
pub mod engine;
pub mod identity;
pub mod leader;
pub mod ledger;
pub mod mempool;
pub mod net;
pub mod node;
pub mod pacemaker;
pub mod participant;
#[cfg(feature = "peer-bench")]
pub mod peer_bench;
pub mod safety;
pub mod sim;
pub mod store;
pub mod types;
pub mod validators;

pub use engine::{Commit, Config, Effect, Engine, Status};
