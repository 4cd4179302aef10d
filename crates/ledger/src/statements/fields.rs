//! What every statement reader shares: the size and encoding checks, amounts and dates in
//! their local layouts, and the payout number a provider carried back.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{bad_file, MAX_STATEMENT_BYTES};
use crate::error::{Error, Result};
use crate::ids::{numbers_in_text, PayoutId};

/// The name and bytes of the statement at `path`, refusing one too large before reading it.
pub fn read_statement_file(path: &std::path::Path) -> Result<(String, Vec<u8>)> {
    let unreadable =
        |e: std::io::Error| bad_file(format!("{} cannot be read: {e}.", path.display()));
    check_size(std::fs::metadata(path).map_err(unreadable)?.len())?;
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok((name, bytes))
}

/// Records the provider's id of the transaction on `line_no`, refusing a missing, overlong or
/// repeated one (a repeat means a damaged file).
pub(super) fn unique_id(seen: &mut HashMap<String, i64>, id: &str, line_no: i64) -> Result<()> {
    if id.is_empty() || id.chars().count() > 100 {
        return Err(bad_file(format!(
            "Line {line_no} has no usable transaction id."
        )));
    }
    if let Some(first) = seen.insert(id.to_owned(), line_no) {
        return Err(bad_file(format!(
            "Line {line_no} repeats transaction {id} of line {first}; the file looks damaged. Nothing was imported."
        )));
    }
    Ok(())
}

/// Refuses a statement too large to be one, before (or instead of) reading it.
pub(super) fn check_size(size: u64) -> Result<()> {
    if size > MAX_STATEMENT_BYTES as u64 {
        return Err(bad_file(format!(
            "The file is {} MB; a statement can be at most {} MB. Export a shorter period.",
            size >> 20,
            MAX_STATEMENT_BYTES >> 20
        )));
    }
    Ok(())
}

/// The size and encoding checks every UTF-8 statement passes first; `hint` follows the
/// message for a file that is not UTF-8.
pub(super) fn statement_text<'a>(bytes: &'a [u8], hint: &str) -> Result<&'a str> {
    check_size(bytes.len() as u64)?;
    let text = utf8_text(bytes, hint)?;
    if text.trim().is_empty() {
        return Err(bad_file("The file is empty."));
    }
    Ok(text)
}

/// `bytes` as UTF-8 text without its byte-order mark; `hint` follows the message for bytes
/// that are not UTF-8.
pub(super) fn utf8_text<'a>(bytes: &'a [u8], hint: &str) -> Result<&'a str> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::NotUtf8(format!(
            "The file is not UTF-8 text (byte {} is not); {hint}",
            e.valid_up_to() + 1
        ))
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Whether the day or the month comes first in a statement's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

impl DateOrder {
    pub(super) fn day_first(self) -> bool {
        self == DateOrder::DayFirst
    }
}

/// The order the file's dates (with their line numbers) prove: a first part above 12 proves
/// day first, a second part above 12 month first. `Ok(None)` when every date could be read
/// both ways; two dates that prove different orders are refused with their lines.
pub(super) fn date_order<'a>(
    dates: impl IntoIterator<Item = (i64, &'a str)>,
) -> Result<Option<DateOrder>> {
    let mut proved: Option<(DateOrder, i64)> = None;
    for (line, date) in dates {
        if parse_date(date, true).is_none() && parse_date(date, false).is_none() {
            return Err(bad_file(format!("Line {line}: {date:?} is not a date.")));
        }
        let parts: Vec<u32> = date
            .split_whitespace()
            .next()
            .unwrap_or("")
            .split(['/', '.', '-'])
            .filter_map(|p| p.trim().parse().ok())
            .collect();
        let order = match parts[..] {
            [a, _, _] if a >= 1000 => continue,
            [a, b, _] if a > 12 && b <= 12 => DateOrder::DayFirst,
            [a, b, _] if b > 12 && a <= 12 => DateOrder::MonthFirst,
            _ => continue,
        };
        match proved {
            Some((first, at)) if first != order => {
                return Err(bad_file(format!(
                    "Line {line} puts the {} first, line {at} the {}; a statement uses one date layout.",
                    if order.day_first() { "day" } else { "month" },
                    if first.day_first() { "day" } else { "month" },
                )))
            }
            Some(_) => {}
            None => proved = Some((order, line)),
        }
    }
    Ok(proved.map(|(order, _)| order))
}

pub(super) fn parse_date(text: &str, day_first: bool) -> Option<NaiveDate> {
    let text = text.split_whitespace().next()?;
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<u32> = text
        .split(['/', '.', '-'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, y] = parts[..] else { return None };
    let y = if y < 100 { 2000 + y as i32 } else { y as i32 };
    let (day, month) = if day_first { (a, b) } else { (b, a) };
    NaiveDate::from_ymd_opt(y, month, day)
}

/// The first payout number that stands as a whole word in `text` ("po-123" or "PO-000123"),
/// normalised ("PO-000123"), if there is one. `EXPO-2026` or `APO-12` name no payout.
pub(super) fn payout_number(text: &str) -> Option<String> {
    numbers_in_text::<PayoutId>(text)
        .first()
        .map(PayoutId::to_string)
}
