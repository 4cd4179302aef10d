//! PayPal's activity download ("Activity" > "Statements" > CSV).

use std::collections::HashMap;

use super::amount::{decimal_mark, read_amount, DecimalMark};
use super::fields::{date_order, parse_date, payout_number, statement_text, unique_id};
use super::{bad_file, LineKind, ParsedLine, ReferenceSource};
use crate::error::Result;
use crate::money::{Currency, Money};

/// Reads a PayPal activity CSV: columns by header name (any order, any case), `,` `;` or tab,
/// a UTF-8 BOM, US (`1,234.56`, `MM/DD/YYYY`) and European (`1.234,56`, `DD/MM/YYYY`,
/// `DD.MM.YYYY`) layouts, ISO dates, and `Balance Impact` for the sign.
pub fn parse_paypal_csv(bytes: &[u8]) -> Result<Vec<ParsedLine>> {
    let text = statement_text(
        bytes,
        "PayPal statements are UTF-8, so this is probably not one.",
    )?;
    let header_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            bad_file(format!(
                "The first line cannot be read as CSV headers: {e}."
            ))
        })?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == n))
    };
    let required = |names: &[&str], label: &str| {
        column(names).ok_or_else(|| {
            bad_file(format!(
                "This is not a PayPal activity CSV: it has no \"{label}\" column."
            ))
        })
    };
    let date = required(&["date"], "Date")?;
    let currency = required(&["currency"], "Currency")?;
    let gross = required(&["gross", "amount"], "Gross")?;
    let transaction = required(&["transaction id"], "Transaction ID")?;
    let name = column(&["name"]);
    let kind_col = column(&["type"]);
    let status = column(&["status"]);
    let to_email = column(&["to email address"]);
    let impact = column(&["balance impact"]);
    // The payout number comes back in the custom number the app's Payouts file filled in;
    // anywhere else it is free text that someone typed.
    let field_cols: Vec<usize> = ["custom number"]
        .iter()
        .filter_map(|n| column(&[n]))
        .collect();
    let text_cols: Vec<usize> = ["note", "subject", "item title", "item id"]
        .iter()
        .filter_map(|n| column(&[n]))
        .collect();

    let mut records = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line_no = i as i64 + 2;
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths { len, expected_len, .. } => bad_file(format!(
                "Line {line_no} has {len} cells where the header has {expected_len}; the file may be cut short or not a PayPal statement."
            )),
            _ => bad_file(format!("Line {line_no} cannot be read: {e}.")),
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        records.push((line_no, record));
    }
    if records.is_empty() {
        return Err(bad_file("The file has headers but no transactions."));
    }
    let cell = |r: &csv::StringRecord, c: usize| r.get(c).unwrap_or("").trim().to_owned();
    let grosses: Vec<(i64, String)> = records
        .iter()
        .map(|(line_no, r)| (*line_no, cell(r, gross)))
        .collect();
    let mark =
        decimal_mark(grosses.iter().map(|(n, g)| (*n, g.as_str())), None).map_err(bad_file)?;
    let decimal_comma = mark == DecimalMark::Comma;
    let day_first = date_order(records.iter().map(|(_, r)| cell(r, date)), decimal_comma);

    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut lines = Vec::new();
    for (line_no, r) in &records {
        let line_no = *line_no;
        let id = cell(r, transaction);
        unique_id(&mut seen, &id, line_no)?;
        let code = cell(r, currency).to_uppercase();
        let cur = Currency::from_code(&code).ok_or_else(|| {
            bad_file(format!(
                "Line {line_no}: {code:?} is not an ISO 4217 currency."
            ))
        })?;
        let raw_amount = cell(r, gross);
        let mut amount = read_amount(&raw_amount, mark, cur).map_err(|why| {
            bad_file(format!(
                "Line {line_no}: {raw_amount:?} is not an amount in {code}: {why}."
            ))
        })?;
        let booked_on = parse_date(&cell(r, date), day_first).ok_or_else(|| {
            bad_file(format!(
                "Line {line_no}: {:?} is not a date.",
                cell(r, date)
            ))
        })?;
        let impact = impact
            .map(|c| cell(r, c).to_lowercase())
            .unwrap_or_default();
        if impact == "debit" && amount.minor() > 0 || impact == "credit" && amount.minor() < 0 {
            amount = Money::from_minor(-amount.minor(), cur);
        }
        let kind_text = kind_col.map(|c| cell(r, c)).unwrap_or_default();
        let status_text = status
            .map(|c| cell(r, c).to_lowercase())
            .unwrap_or_default();
        let returned = ["reversal", "return", "refund", "unclaimed"]
            .iter()
            .any(|w| kind_text.to_lowercase().contains(w));
        let pending = status_text == "pending";
        let settled = status_text.is_empty() || status_text == "completed" || pending;
        let kind = if impact == "memo" || !settled {
            LineKind::Other
        } else if amount.minor() < 0 && !returned {
            LineKind::Payment
        } else if amount.minor() > 0 && returned {
            LineKind::Return
        } else {
            LineKind::Other
        };
        let in_field = field_cols.iter().find_map(|&c| payout_number(&cell(r, c)));
        let (payout_reference, reference_source) = match in_field {
            Some(number) => (Some(number), ReferenceSource::Field),
            None => (
                text_cols.iter().find_map(|&c| payout_number(&cell(r, c))),
                ReferenceSource::Text,
            ),
        };
        let counterparty = to_email
            .map(|c| cell(r, c))
            .filter(|e| !e.is_empty())
            .or_else(|| name.map(|c| cell(r, c)))
            .unwrap_or_default();
        lines.push(ParsedLine {
            line_no,
            fingerprint: format!("paypal:{id}"),
            booked_on,
            amount,
            counterparty,
            payout_reference,
            reference_source,
            provider_reference: id,
            kind,
            description: kind_text,
            pending,
        });
    }
    Ok(lines)
}
