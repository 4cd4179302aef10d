//! `incentise`: the book from the command line, for scripts and support. It opens the book
//! read-only, so it changes nothing, whether or not the app is running.
//!
//! ```text
//! incentise review FILE --book PATH [--format paypal|camt053|mapping:NAME]
//!                       [--dates day-first|month-first] [--json]
//! incentise verify --book PATH [--trust DIR] [--json]
//! incentise backup --book PATH --to DIR
//! ```
//!
//! `review` reads a statement file and prints, for each line, what the app's review would
//! make of it: one JSON object per line with `--json` (`line`, `booked_on`, `amount`,
//! `currency`, `kind`, `state`, `payout`, `why`), a table otherwise. Exit status 0 when the
//! file was reviewed, 2 when it could not be (the reason on standard error).
//!
//! `verify` checks the book's storage, its audit chain and every record against its history:
//! exit status 0 when intact, 1 when not (saying what differs), 2 when the book could not be
//! checked. The chain's keyed part and its newest anchor are checked with the trust folder
//! (`--trust`, by default the app's on this computer); without its key, a keyed part is
//! reported as "cannot check", not as changed.
//!
//! `backup` writes a checked copy of the book into DIR and prints its path; no audit event
//! records it, since the program writes nothing to the book.

use std::process::ExitCode;

mod backup;
mod review;
mod verify;

const USAGE: &str = "usage: incentise review FILE --book PATH [--format paypal|camt053|mapping:NAME] [--dates day-first|month-first] [--json]\n       incentise verify --book PATH [--trust DIR] [--json]\n       incentise backup --book PATH --to DIR";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("review") => match review::parse(&args[1..]) {
            Ok(r) => review::review(&r)
                .await
                .map(|verdicts| review::print(&verdicts, r.json))
                .map(|()| ExitCode::SUCCESS),
            Err(usage) => Err(usage),
        },
        Some("verify") => verify::run(&args[1..]).await,
        Some("backup") => backup::run(&args[1..]).await,
        _ => Err(USAGE.into()),
    };
    outcome.unwrap_or_else(|message| {
        eprintln!("incentise: {message}");
        ExitCode::from(2)
    })
}
