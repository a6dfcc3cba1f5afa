//! Back-test (to come).
