//! Supervised corridor actors (not built yet).
//!
//! It will hold the `ractor` supervision tree of a node: the ledger link, one actor per customs
//! post, bank and exporter actors, and the notifier, each rebuilt from committed ledger state
//! after a restart. Until the actors issue lands this crate deliberately exports nothing.
#![forbid(unsafe_code)]
