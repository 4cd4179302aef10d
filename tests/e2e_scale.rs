//! The whole app at scale (issue 12, item 7), run by hand on a large book: how long the
//! first screen takes from launch, and how much memory the app and its WebKit processes hold
//! once it rests. Ignored in the test command (it needs a book of a million payouts, which
//! `cargo run --release -p ledger --example list_at_scale` makes with BENCH_BOOK=path):
//!
//!     cargo build --release
//!     INCENTISE_SCALE_BOOK=/tmp/book.sqlite INCENTISE_E2E_APP=target/release/incentise-payouts \
//!       xvfb-run -a cargo test --features test-hooks --test e2e_scale -- --ignored --nocapture
//!
//! Linux only: the app's webview there (WebKitGTK) has a WebDriver, WebKitWebDriver; macOS's
//! WKWebView has none, and the Windows one (msedgedriver) was never tried with this harness.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use support::*;

/// The `kB` value of `field` in a `/proc` file's text, in MB.
fn mb(text: &str, field: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// Resident memory (MB) of every process whose program is one of `names`: all it has in
/// memory (RSS), and its proportional share of what it shares with others (PSS).
fn resident_mb(names: &[&str]) -> Vec<(String, u64, u64)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let dir = entry.path();
        let Ok(cmdline) = std::fs::read(dir.join("cmdline")) else {
            continue;
        };
        let program = cmdline.split(|b| *b == 0).next().unwrap_or_default();
        let program = String::from_utf8_lossy(program);
        let Some(name) = names.iter().find(|n| program.ends_with(*n)) else {
            continue;
        };
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        let rollup = std::fs::read_to_string(dir.join("smaps_rollup")).unwrap_or_default();
        found.push((
            (*name).to_owned(),
            mb(&status, "VmRSS:"),
            mb(&rollup, "Pss:"),
        ));
    }
    found
}

#[test]
#[ignore = "needs a large book: INCENTISE_SCALE_BOOK"]
fn the_first_screen_of_a_large_book_and_the_memory_at_rest() {
    let source = std::env::var("INCENTISE_SCALE_BOOK").expect("INCENTISE_SCALE_BOOK=path");
    run_prepared(
        "scale-first-screen",
        move |book| {
            std::fs::copy(&source, book).unwrap();
        },
        |s| async move {
            let c = &s.client;
            wait_for(c, "body[data-ready='true'] #payouts-table tbody tr").await;
            let first = s.launched.elapsed();
            println!("first screen (payouts table shown) {first:.2?} after the app was asked for");
            // At rest: once the day's automatic backup (started at launch) is written.
            let backups = s.book.with_file_name("backups");
            let written = || {
                std::fs::read_dir(&backups)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.starts_with("automatic-") && name.ends_with(".sqlite.zst")
                    })
            };
            let waited = std::time::Instant::now();
            while !written() && waited.elapsed() < Duration::from_secs(300) {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            println!(
                "the automatic backup was written {:.1?} after the first screen",
                waited.elapsed()
            );
            tokio::time::sleep(Duration::from_secs(5)).await;
            for (name, rss, pss) in resident_mb(&[
                "incentise-payouts",
                "WebKitWebProcess",
                "WebKitNetworkProcess",
            ]) {
                println!("at rest: {name} {rss} MB resident (RSS), {pss} MB its own share (PSS)");
            }
            s
        },
    );
}
