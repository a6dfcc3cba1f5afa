//! Supervised corridor actors, and the ledger link they and the gateway share.
//!
//! Today this crate holds the ledger link ([`ledger::LedgerClient`]): the one handle through
//! which other crates read committed ledger state and submit signed transactions. The `ractor`
//! supervision tree of a node (customs posts, banks, exporters, the notifier, each rebuilt from
//! committed state after a restart) is the actors issue; until it lands, nothing here runs on
//! its own.
#![forbid(unsafe_code)]

pub mod ledger;
