//! Supervised corridor actors, and the ledger link they and the gateway share.
//!
//! - [`ledger`]: [`ledger::LedgerClient`], the one handle through which other crates read
//!   committed ledger state and submit signed transactions;
//! - [`supervisor`]: the project's supervisor over `ractor` (child specs, restart strategy,
//!   restart intensity, escalation) and [`supervisor::Mailbox`], the bounded restart-proof
//!   handle to a supervised actor;
//! - [`calendar`]: the Kazakh and Chinese banking calendars (data files per year);
//! - [`clock`]: the one source of "now", which tests move by hand;
//! - [`deadlines`]: the pure deadline core (examination, presentation period, expiry, customs
//!   service-level times), each due action with a stable id.
//!
//! Architecture invariant: other crates hold handles, never `ractor` references or message
//! enums. Every actor's state can be rebuilt from the ledger, which is what makes a restart
//! safe; an effect (an email, a submission) is keyed by a stable id so it happens once.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod clock;
pub mod corridor;
pub mod deadlines;
pub mod follow;
pub mod ledger;
pub mod notify;
pub mod outbox;
pub mod supervisor;
pub mod tree;
