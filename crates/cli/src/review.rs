//! `incentise review`: what the app's review would make of each line of a statement file.

use std::path::PathBuf;

use ledger::statements::{read_statement_file, DateOrder, LineVerdict, StatementFormat};
use ledger::Ledger;

use super::USAGE;

/// What `review` was asked.
pub struct Review {
    file: PathBuf,
    book: PathBuf,
    format: String,
    dates: Option<DateOrder>,
    pub json: bool,
}

/// Reads `review`'s arguments (after the word `review`).
pub fn parse(args: &[String]) -> Result<Review, String> {
    let mut args = args.iter();
    let (mut file, mut book, mut format, mut dates, mut json) =
        (None, None, "paypal".to_owned(), None, false);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value. {USAGE}"))
        };
        match arg.as_str() {
            "--book" => book = Some(PathBuf::from(value()?)),
            "--format" => format = value()?,
            "--dates" => {
                dates = Some(match value()?.as_str() {
                    "day-first" => DateOrder::DayFirst,
                    "month-first" => DateOrder::MonthFirst,
                    other => {
                        return Err(format!(
                            "--dates is day-first or month-first, not {other:?}."
                        ))
                    }
                })
            }
            "--json" => json = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}. {USAGE}"))
            }
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => {
                return Err(format!(
                    "one file at a time ({extra:?} is a second). {USAGE}"
                ))
            }
        }
    }
    Ok(Review {
        file: file.ok_or_else(|| format!("which statement file? {USAGE}"))?,
        book: book.ok_or_else(|| format!("which book? {USAGE}"))?,
        format,
        dates,
        json,
    })
}

pub async fn review(r: &Review) -> Result<Vec<LineVerdict>, String> {
    let ledger = Ledger::open_read_only(&r.book)
        .await
        .map_err(|e| e.to_string())?;
    let format = match r.format.as_str() {
        "paypal" => StatementFormat::PaypalCsv,
        "camt053" => StatementFormat::Camt053,
        other => {
            let Some(name) = other.strip_prefix("mapping:") else {
                return Err(format!(
                    "--format is paypal, camt053 or mapping:NAME, not {other:?}."
                ));
            };
            let mappings = ledger
                .statement_mappings()
                .await
                .map_err(|e| e.to_string())?;
            let mapping = mappings.into_iter().find(|m| m.source == name).ok_or_else(|| {
                format!("the book has no column mapping called {name:?}; set it up in the app first.")
            })?;
            StatementFormat::GenericCsv(Box::new(mapping))
        }
    };
    let (_, bytes) = read_statement_file(&r.file).map_err(|e| e.to_string())?;
    let verdicts = ledger
        .review_statement_file(&bytes, &format, r.dates)
        .await
        .map_err(|e| match e.code() {
            Some("ambiguous_dates") => {
                format!("{e} (give --dates day-first or --dates month-first)")
            }
            _ => e.to_string(),
        })?;
    ledger.close().await;
    Ok(verdicts)
}

pub fn print(verdicts: &[LineVerdict], json: bool) {
    for v in verdicts {
        if json {
            println!("{}", serde_json::to_string(v).expect("verdicts serialise"));
        } else {
            println!(
                "{:>6}  {}  {:>14} {}  {:<7}  {:<9}  {:<9}  {}",
                v.line,
                v.booked_on,
                v.amount,
                v.currency,
                serde_json::to_value(v.kind)
                    .ok()
                    .and_then(|k| k.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                serde_json::to_value(v.state)
                    .ok()
                    .and_then(|k| k.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                v.payout.as_deref().unwrap_or("-"),
                v.why
            );
        }
    }
}
