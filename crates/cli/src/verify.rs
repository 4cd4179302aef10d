//! `incentise verify`: the book's storage (SQLite's integrity check), its audit chain (the keyed
//! part with the keys of the OS keychain and the trust folder, and the folder's newest anchor)
//! and every record against its history, checked read-only; exit status 0 when intact, 1 when
//! not.

use std::path::PathBuf;
use std::process::ExitCode;

use ledger::chain::TrustStore;
use ledger::Ledger;
use serde_json::json;

use super::USAGE;

/// The app's trust folder on this computer: `trust` in its config folder (the Tauri app's
/// identifier under the OS config folder).
fn default_trust() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("com.incentise.payouts").join("trust"))
}

pub async fn run(args: &[String]) -> Result<ExitCode, String> {
    let (mut book, mut trust, mut json) = (None, default_trust(), false);
    let mut args = args.iter();
    let value = |name: &str, args: &mut std::slice::Iter<'_, String>| {
        args.next()
            .map(PathBuf::from)
            .ok_or_else(|| format!("{name} needs a value. {USAGE}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--book" => book = Some(value("--book", &mut args)?),
            "--trust" => trust = Some(value("--trust", &mut args)?),
            "--json" => json = true,
            other => return Err(format!("unknown argument {other:?}. {USAGE}")),
        }
    }
    let book = book.ok_or_else(|| format!("which book? {USAGE}"))?;
    let mut ledger = Ledger::open_read_only(&book)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(dir) = trust {
        ledger = ledger.with_trust(TrustStore::for_app(dir));
    }
    let report = ledger.verify_book().await.map_err(|e| e.to_string())?;
    ledger.close().await;
    let intact = report.intact();
    if json {
        let state = report.state.as_ref();
        println!(
            "{}",
            json!({
                "intact": intact,
                "storage": report.storage,
                "events": report.chain.events,
                "first_bad_event": report.chain.first_bad_seq,
                "keyed_from": report.chain.keyed_from,
                "unchecked": report.chain.unchecked,
                "anchor": report.chain.anchor,
                "records": state.map(|s| s.records),
                "differences": state.map(|s| &s.differences),
                "total_differences": state.map(|s| s.total_differences),
            })
        );
    } else {
        println!("{}", report.summary());
    }
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
