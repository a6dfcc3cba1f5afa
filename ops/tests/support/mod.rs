//! Running the built `silkway` binary from the CLI tests, as a user runs it.

use std::process::{Command, Output};

use serde_json::Value;

pub fn silkway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_silkway"))
        .args(args)
        .output()
        .expect("the silkway binary runs")
}

/// Runs silkway, asserts success, and parses stdout as JSON.
pub fn silkway_json(args: &[&str]) -> Value {
    let out = silkway(args);
    assert!(
        out.status.success(),
        "silkway {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout of {args:?} is not JSON: {e}"))
}
