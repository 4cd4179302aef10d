//! `incentise verify`: the book's storage (SQLite's integrity check) and its audit chain,
//! checked read-only; exit status 0 when both are intact, 1 when not.

use std::path::PathBuf;
use std::process::ExitCode;

use ledger::Ledger;
use serde_json::json;

use super::USAGE;

pub async fn run(args: &[String]) -> Result<ExitCode, String> {
    let (mut book, mut json) = (None, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--book" => {
                book = Some(PathBuf::from(
                    args.next()
                        .ok_or_else(|| format!("--book needs a value. {USAGE}"))?,
                ))
            }
            "--json" => json = true,
            other => return Err(format!("unknown argument {other:?}. {USAGE}")),
        }
    }
    let book = book.ok_or_else(|| format!("which book? {USAGE}"))?;
    let ledger = Ledger::open_read_only(&book)
        .await
        .map_err(|e| e.to_string())?;
    let report = ledger.verify_book().await.map_err(|e| e.to_string())?;
    ledger.close().await;
    let intact = report.intact();
    if json {
        println!(
            "{}",
            json!({
                "intact": intact,
                "storage": report.storage,
                "events": report.chain.events,
                "first_bad_event": report.chain.first_bad_seq,
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
