//! A checkout on any system keeps the files whose bytes matter as they are in the repository:
//! the schema steps and scripts with LF line endings (a Windows checkout would otherwise turn
//! them into CRLF), the statement fixtures byte for byte. Asked of Git itself, so a rule that
//! `.gitattributes` loses or another rule overrides is caught. Where the sources are not a Git
//! checkout (a source archive) there is nothing to check.

use std::path::Path;
use std::process::Command;

/// Git's value of `attribute` for each of `paths` (relative to the repository's root).
fn attributes(attribute: &str, paths: &[&str]) -> Option<Vec<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["check-attr", attribute, "--"])
        .args(paths)
        .output()
        .ok()
        .filter(|out| out.status.success() && root.join(".git").exists());
    let Some(out) = out else {
        eprintln!("SKIPPED: the sources are not a Git checkout");
        return None;
    };
    // Each line: "<path>: <attribute>: <value>".
    let values = String::from_utf8(out.stdout)
        .expect("git writes UTF-8 here")
        .lines()
        .map(|line| line.rsplit(": ").next().unwrap_or_default().to_owned())
        .collect();
    Some(values)
}

#[test]
fn schema_steps_and_scripts_are_checked_out_with_lf_line_endings() {
    let paths = [
        "crates/ledger/migrations/0001_book.sql",
        "crates/ledger/migrations/0020_cheaper_write_triggers.sql",
        "scripts/setup.sh",
        ".ci/run",
    ];
    let Some(eol) = attributes("eol", &paths) else {
        return;
    };
    assert_eq!(eol, ["lf"; 4], "{paths:?}");
}

#[test]
fn statement_fixtures_are_never_converted() {
    let paths = [
        "crates/ledger/tests/fixtures/statements/paypal-de.csv",
        "crates/ledger/tests/fixtures/statements/camt053-001-08.xml",
    ];
    let Some(text) = attributes("text", &paths) else {
        return;
    };
    assert_eq!(text, ["unset"; 2], "{paths:?}");
}
