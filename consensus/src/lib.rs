//! SilkwayChain's replicated ledger: the project's own HotStuff engine.
//!
//! - [`engine`]: the sans-IO core (events in, effects out, time passed in);
//! - [`safety`]: the safety rules, small and isolated; [`pacemaker`], [`leader`]: rounds,
//!   timeouts and leader election; [`block_tree`]: pending blocks and the two-chain commit rule;
//! - [`validators`]: validator sets, quorums, signature checks; [`types`]: wire types;
//! - [`store`]: the records the engine persists, recovery from them, the storage port
//!   `RecordStore` with `MemoryStore` and the sled-backed `SledStore` (records and application
//!   state on disk); [`app`]: the port the ledger application implements; [`mempool`]: the
//!   bounded transaction queue;
//! - [`participant`]: the roles and facts of participants shared by identity, ledger and
//!   transport;
//! - [`sim`]: deterministic simulation and Twins over a seeded faulty network.
//!
//! Not here yet: the QUIC transport and the validator node (next issue).
#![forbid(unsafe_code)]

pub mod app;
pub mod block_tree;
pub mod engine;
pub mod leader;
pub mod mempool;
pub mod pacemaker;
pub mod participant;
pub mod safety;
pub mod sim;
pub mod store;
pub mod types;
pub mod validators;

pub use engine::{Commit, Config, Effect, Engine, Status};
