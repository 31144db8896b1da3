//! The load harness (`bench/run.py`) has unit tests of its own, for its
//! parsing and its ratio arithmetic: run with the rest, offline, in about a
//! second.

use std::process::Command;

#[test]
fn bench_harness_unit_tests_pass() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .args(["-B", "-m", "unittest", "discover", "-s", "bench", "-t", "bench", "-p", "test_*.py"])
        .current_dir(root)
        .output()
        .expect("python3 (the harness needs Python 3.11)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench/ unit tests failed:\n{stderr}");
    assert!(stderr.contains("\nOK"), "unexpected unittest output:\n{stderr}");
}
