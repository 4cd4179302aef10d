//! `incentise backup`: a checked copy of the book into a folder of the user's (a USB stick, a
//! synced folder), made through a read-only connection while the app may be running.

use std::path::PathBuf;
use std::process::ExitCode;

use ledger::Ledger;

use super::USAGE;

pub async fn run(args: &[String]) -> Result<ExitCode, String> {
    let (mut book, mut to) = (None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{arg} needs a value. {USAGE}"))
        };
        match arg.as_str() {
            "--book" => book = Some(value()?),
            "--to" => to = Some(value()?),
            other => return Err(format!("unknown argument {other:?}. {USAGE}")),
        }
    }
    let book = book.ok_or_else(|| format!("which book? {USAGE}"))?;
    let to = to.ok_or_else(|| format!("into which folder (--to DIR)? {USAGE}"))?;
    // Refuses what is not a book of this version before anything is written.
    Ledger::open_read_only(&book)
        .await
        .map_err(|e| e.to_string())?
        .close()
        .await;
    let copy = Ledger::copy_book(&book, &to, chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", copy.display());
    Ok(ExitCode::SUCCESS)
}
