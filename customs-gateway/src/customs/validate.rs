//! Validation (to come).
