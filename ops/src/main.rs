//! The `silkway` command.
#![forbid(unsafe_code)]

fn main() {}
