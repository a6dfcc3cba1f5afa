//! `silkway ca` run as an operator runs it: the real binary on real directories, with
//! `openssl verify` as the independent judge of every certificate it issues.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod support;

use support::{silkway, silkway_json};

/// Runs silkway expecting failure; returns stderr.
fn silkway_fails(args: &[&str]) -> String {
    let out = silkway(args);
    assert!(!out.status.success(), "silkway {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path(dir: &Path, rel: &str) -> String {
    dir.join(rel).display().to_string()
}

fn mode(file: &str) -> u32 {
    std::fs::metadata(file).unwrap().permissions().mode() & 0o777
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn openssl_verify(ca: &str, cert: &str) -> String {
    let out = Command::new("openssl")
        .args(["verify", "-CAfile", ca, cert])
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl verify {cert}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const ROLES: [&str; 5] = ["validator", "bank", "customs", "exporter", "operator"];

#[test]
fn every_issued_certificate_passes_openssl_verify() {
    let dir = tempfile::tempdir().unwrap();
    for country in ["KZ", "CN"] {
        let ca = path(dir.path(), &format!("{country}-ca"));
        let root = silkway_json(&["ca", "init", "--country", country, "--out", &ca]);
        assert_eq!(root["country"], country);
        assert_eq!(
            mode(&path(dir.path(), &format!("{country}-ca/ca.key"))),
            0o600
        );
        for role in ROLES {
            let out = path(dir.path(), &format!("{country}-{role}"));
            let org = format!("{country} {role} organization");
            let name = format!("{}-{role}-1", country.to_lowercase());
            let summary = silkway_json(&[
                "ca",
                "issue",
                "--role",
                role,
                "--org",
                &org,
                "--name",
                &name,
                "--country",
                country,
                "--ca",
                &ca,
                "--out",
                &out,
            ]);
            assert_eq!(
                (
                    &summary["org"],
                    &summary["name"],
                    &summary["country"],
                    &summary["role"]
                ),
                (
                    &Value::from(org),
                    &Value::from(name),
                    &Value::from(country),
                    &Value::from(role)
                )
            );
            let cert = format!("{out}/cert.pem");
            assert_eq!(
                openssl_verify(&format!("{out}/ca.pem"), &cert),
                format!("{cert}: OK\n")
            );
            assert_eq!(mode(&format!("{out}/key.pem")), 0o600);
            // OpenSSL (and so curl, presenting the key as a client certificate) reads the key,
            // and it is the key the certificate certifies.
            assert_eq!(
                openssl(&["pkey", "-in", &format!("{out}/key.pem"), "-pubout"]),
                openssl(&["x509", "-in", &cert, "-noout", "-pubkey"])
            );
            // `ca show` reads back what `ca issue` reported.
            let mut shown = silkway_json(&["ca", "show", &cert]);
            for file in ["cert", "key", "ca"] {
                shown[file] = summary[file].clone();
            }
            assert_eq!(shown, summary);
        }
    }
}

#[test]
fn an_existing_key_is_certified_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, key, out) = (
        path(dir.path(), "ca"),
        path(dir.path(), "consensus.pem"),
        path(dir.path(), "v1"),
    );
    silkway_json(&["ca", "init", "--country", "KZ", "--out", &ca]);
    let generated = silkway_json(&["keys", "generate", "--out", &key]);
    let summary = silkway_json(&[
        "ca",
        "issue",
        "--role",
        "validator",
        "--org",
        "KZ Node Operator",
        "--country",
        "KZ",
        "--ca",
        &ca,
        "--out",
        &out,
        "--key",
        &key,
    ]);
    assert_eq!(summary["public_key"], generated["public_key"]);
    assert_eq!(
        summary["name"], "KZ Node Operator",
        "the name defaults to --org"
    );
    assert!(
        !Path::new(&format!("{out}/key.pem")).exists(),
        "a given key is not copied"
    );
}

#[test]
fn bad_invocations_name_the_flag_or_file_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    let ca = path(dir.path(), "kz");
    let out = path(dir.path(), "out");
    let err = silkway_fails(&["ca", "init", "--country", "XX", "--out", &ca]);
    assert!(err.contains("--country"), "{err}");
    silkway_json(&["ca", "init", "--country", "KZ", "--out", &ca]);
    let err = silkway_fails(&["ca", "init", "--country", "KZ", "--out", &ca]);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    let cases: [(&[&str], &str); 4] = [
        (
            &["--role", "bank", "--org", "X", "--country", "CN"],
            "--country",
        ),
        (
            &["--role", "auditor", "--org", "X", "--country", "KZ"],
            "--role",
        ),
        (&["--role", "bank", "--org", "", "--country", "KZ"], "--org"),
        (
            &[
                "--role",
                "bank",
                "--org",
                "X",
                "--country",
                "KZ",
                "--validity-days",
                "0",
            ],
            "--validity-days",
        ),
    ];
    for (flags, named) in cases {
        let mut args = vec!["ca", "issue", "--ca", &ca, "--out", &out];
        args.extend(flags);
        let err = silkway_fails(&args);
        assert!(err.contains(named), "{flags:?} should name {named}: {err}");
    }
    let missing = path(dir.path(), "nowhere");
    let err = silkway_fails(&[
        "ca",
        "issue",
        "--role",
        "bank",
        "--org",
        "X",
        "--country",
        "KZ",
        "--ca",
        &missing,
        "--out",
        &out,
    ]);
    assert!(err.contains("--ca") && err.contains("ca.pem"), "{err}");
}
