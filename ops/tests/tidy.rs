//! Conventions the whole workspace keeps, checked under `cargo test` (after rust-analyzer's
//! `tidy`): the crate dependency edges of ARCHITECTURE.md, a `//!` doc opening every Rust
//! file, and `#![forbid(unsafe_code)]` at every crate root.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Which workspace crates each crate may depend on (normal and dev dependencies alike).
fn allowed_edges() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let all = [
        "trade-docs",
        "consensus",
        "actors",
        "customs-gateway",
        "bridge-cn",
    ];
    BTreeMap::from([
        ("trade-docs", BTreeSet::new()),
        ("consensus", BTreeSet::from(["trade-docs"])),
        ("actors", BTreeSet::from(["consensus", "trade-docs"])),
        (
            "customs-gateway",
            BTreeSet::from(["actors", "consensus", "trade-docs"]),
        ),
        (
            "bridge-cn",
            BTreeSet::from(["actors", "consensus", "trade-docs"]),
        ),
        ("ops", BTreeSet::from(all)),
        (
            "chaos-tests",
            BTreeSet::from(all).into_iter().chain(["ops"]).collect(),
        ),
    ])
}

#[test]
fn crate_dependency_edges_follow_the_architecture() {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let allowed = allowed_edges();
    let members: BTreeSet<String> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = allowed.keys().map(|k| k.to_string()).collect();
    assert_eq!(
        members, expected,
        "workspace members differ from the fixed layout"
    );
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            if members.contains(dep_name) {
                assert!(
                    allowed[name].contains(dep_name),
                    "{name} depends on {dep_name}, which ARCHITECTURE.md does not allow"
                );
            }
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() && name != "target" && !name.starts_with('.') {
            rust_files(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let mut files = Vec::new();
    for krate in allowed_edges().keys() {
        rust_files(&workspace_root().join(krate), &mut files);
    }
    assert!(files.len() > 10, "found only {} files", files.len());
    let undocumented: Vec<_> = files
        .iter()
        .filter(|f| {
            !std::fs::read_to_string(f)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "files without a leading //! doc: {undocumented:?}"
    );
}

#[test]
fn every_crate_root_forbids_unsafe_code() {
    for krate in allowed_edges().keys() {
        let src = workspace_root().join(krate).join("src");
        for root in ["lib.rs", "main.rs"] {
            let path = src.join(root);
            if let Ok(text) = std::fs::read_to_string(&path) {
                assert!(
                    text.contains("#![forbid(unsafe_code)]"),
                    "{} lacks #![forbid(unsafe_code)]",
                    path.display()
                );
            }
        }
    }
}
