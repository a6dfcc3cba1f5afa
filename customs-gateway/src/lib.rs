//! The HTTP gateway and the clearance rules (not built yet).
//!
//! It will serve the versioned `/api/v1` API and the server-rendered pages for exporters,
//! banks, customs officers and operators, translate letters of credit and invoices into ledger
//! instruments, and run the explainable clearance rules.
//!
//! Modules built so far: [`auth`] (users, passwords, TOTP, tokens, sessions, one-time keys,
//! maker/checker), the authentication core the HTTP shell will call.
#![forbid(unsafe_code)]

pub mod auth;
