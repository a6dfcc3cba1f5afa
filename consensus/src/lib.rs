//! The replicated ledger of SilkwayChain (not built yet).
//!
//! It will hold the project's own chained HotStuff engine as a sans-IO core, a sled-backed
//! store behind a narrow interface, a QUIC transport with mutual TLS on X.509 certificates, a
//! mempool, block production, and the application of ledger transactions through the
//! `trade-docs` state machines. See the HotStuff and validator-node issues; until they land
//! this crate deliberately exports nothing.
#![forbid(unsafe_code)]
