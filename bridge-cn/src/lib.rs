//! The link to Chinese systems (not built yet).
//!
//! It will map declarations and documents to and from the Chinese single-window shapes, sign
//! and verify with SM2 over SM3, and enforce the data-residency policy for what may cross the
//! border. Until the bridge issue lands this crate deliberately exports nothing.
#![forbid(unsafe_code)]
