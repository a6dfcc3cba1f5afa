//! Fault-injection tests across real validator processes (not built yet).
//!
//! It will hold a UDP fault proxy, process and storage faults, Byzantine validators, and the
//! invariants checked from every node's committed state. It is test-only: nothing depends on
//! it. Until the chaos issue lands this crate deliberately exports nothing.
#![forbid(unsafe_code)]
