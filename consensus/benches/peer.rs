//! Peer benchmark command line: our HotStuff engine against `hotstuff_rs` 0.4, N validators in
//! one process. A thin CLI over [`consensus::peer_bench`], which holds the harness and says what
//! a run does and measures.
//!
//! How to run (optimized, since it is `cargo bench`; keep a run at most 60 s on a shared
//! machine; the harness is behind the `peer-bench` feature):
//!
//! ```text
//! cargo bench -p consensus --features peer-bench --bench peer -- --engine silkway --validators 4 --seconds 30 --down 0 --rate 0
//! cargo bench -p consensus --features peer-bench --bench peer -- --engine hotstuff-rs --validators 4 --seconds 30 --down 1 --rate 2000
//! cargo bench -p consensus --features peer-bench --bench peer -- --engine silkway --validators 4 --seconds 20 --idle
//! ```
//!
//! `--rate 0` (the default) is a closed loop. It prints the report as one JSON line on stdout.
//!
//! What it deliberately does not do: anything but parse flags, run, and print.
//!
//! Invariants: exit code 2 for a bad command line, 1 for a failed run, 0 with the report printed.

use consensus::peer_bench::{self, PeerBenchArgs, PeerEngine};

const USAGE: &str = "usage: peer --engine {silkway,hotstuff-rs} [--validators N] [--seconds S] \
[--down K] [--rate R] [--idle]";

fn main() {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("peer: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let report = match peer_bench::run(&args) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("peer: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    match serde_json::to_string(&report) {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("peer: cannot serialize the report: {e}");
            std::process::exit(1);
        }
    }
}

fn parse(mut words: impl Iterator<Item = String>) -> Result<PeerBenchArgs, String> {
    let mut engine = None;
    let mut args = PeerBenchArgs::new(PeerEngine::Silkway);
    while let Some(word) = words.next() {
        match word.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--idle" => args.idle = true,
            "--engine" => {
                let name = value(&mut words, &word)?;
                engine = Some(name.parse::<PeerEngine>().map_err(|e| e.to_string())?);
            }
            "--validators" => args.validators = number(&mut words, &word)?,
            "--seconds" => args.seconds = number(&mut words, &word)?,
            "--down" => args.down = number(&mut words, &word)?,
            // 0 was the closed loop before the rate became optional; it still is.
            "--rate" => args.rate_per_s = Some(number(&mut words, &word)?).filter(|&r| r > 0),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    args.engine = engine.ok_or("--engine is required")?;
    args.check().map_err(|e| e.to_string())?;
    Ok(args)
}

fn value(words: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    words.next().ok_or_else(|| format!("{flag}: missing value"))
}

fn number<T: std::str::FromStr>(
    words: &mut impl Iterator<Item = String>,
    flag: &str,
) -> Result<T, String> {
    let text = value(words, flag)?;
    text.parse()
        .map_err(|_| format!("{flag}: '{text}' is not a number"))
}
