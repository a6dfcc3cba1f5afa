//! The HTTP gateway and the clearance rules (not built yet).
//!
//! It will serve the versioned `/api/v1` API and the server-rendered pages for exporters,
//! banks, customs officers and operators, translate letters of credit and invoices into ledger
//! instruments, and run the explainable clearance rules. Until the gateway and customs issues
//! land this crate deliberately exports nothing.
#![forbid(unsafe_code)]
