//! Any bank's CSV export, read through a column mapping the owner saves once per source:
//! which columns hold the date, the amount (signed, or debit and credit apart), the currency,
//! the bank's transaction id, the other party and the reference text; the delimiter, the text
//! encoding (UTF-8 or Latin-1), the date layout and the decimal separator.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::amount::{read_amount, DecimalMark};
use super::fields::{check_size, payout_number, unique_id, utf8_text};
use super::{bad_file, LineKind, ParsedLine, ReferenceSource, Statement, Unreadable};
use crate::error::{Error, Result};
use crate::lifecycle::FailureReason;
use crate::money::{Currency, Money};
use crate::text::{self, Lines};

/// The date layouts a mapping may name, as the user sees them, with their chrono format.
pub const DATE_FORMATS: &[(&str, &str)] = &[
    ("YYYY-MM-DD", "%Y-%m-%d"),
    ("DD.MM.YYYY", "%d.%m.%Y"),
    ("DD/MM/YYYY", "%d/%m/%Y"),
    ("MM/DD/YYYY", "%m/%d/%Y"),
    ("DD-MM-YYYY", "%d-%m-%Y"),
    ("DD.MM.YY", "%d.%m.%y"),
    ("MM/DD/YY", "%m/%d/%y"),
    ("YYYYMMDD", "%Y%m%d"),
];

/// The delimiters a mapping may name.
pub const DELIMITERS: &[char] = &[',', ';', '\t', '|'];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    /// ISO 8859-1 as Windows writes it (Windows-1252, which is also what browsers read for
    /// it): older bank exports in Western Europe.
    Latin1,
}

/// Where a statement's amounts are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AmountColumns {
    /// One column, negative for money out.
    Signed { column: String },
    /// Money out in one column and money in in another, both written without a sign.
    DebitCredit { debit: String, credit: String },
}

/// How to read one source's CSV statements; saved under `source` and offered again next time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvMapping {
    /// The bank or provider the mapping is for ("Sparkasse giro").
    pub source: String,
    pub delimiter: char,
    pub encoding: TextEncoding,
    /// Lines before the header row (some banks put the account's details first).
    #[serde(default)]
    pub skip_lines: usize,
    pub date_column: String,
    /// One of [`DATE_FORMATS`]' names: "DD.MM.YYYY".
    pub date_format: String,
    /// `1.234,56` rather than `1,234.56`.
    #[serde(default)]
    pub decimal_comma: bool,
    pub amount: AmountColumns,
    /// The currency column; empty when the whole file is in `currency`.
    #[serde(default)]
    pub currency_column: String,
    #[serde(default)]
    pub currency: String,
    /// The bank's own id of each transaction, if the file has one.
    #[serde(default)]
    pub id_column: String,
    #[serde(default)]
    pub counterparty_column: String,
    /// The reference or purpose text (where a payout id sent with the payment comes back).
    #[serde(default)]
    pub reference_column: String,
    /// The transaction's state, where the file has one (Revolut's "State", a Sparkasse
    /// export's "Info"): a pending line is shown but never confirmed, a declined or reverted
    /// one moved no money.
    #[serde(default)]
    pub status_column: String,
}

/// Words of a status cell that say the bank has not booked the transaction yet.
const PENDING_WORDS: [&str; 12] = [
    "pending",
    "not booked",
    "vorgemerkt",
    "nicht gebucht",
    "in bearbeitung",
    "en attente",
    "en cours",
    "in afwachting",
    "pendiente",
    "in sospeso",
    "pendente",
    "processing",
];
/// Words of a status cell that say no money moved.
const FAILED_WORDS: [&str; 10] = [
    "declined",
    "reverted",
    "failed",
    "cancelled",
    "canceled",
    "rejected",
    "abgelehnt",
    "storniert",
    "refusé",
    "annulé",
];

/// What a status cell says: `(pending, no money moved)`. An empty cell, or one the app does
/// not know ("COMPLETED", "Umsatz gebucht"), is a booked transaction.
fn read_status(cell: &str) -> (bool, bool) {
    let lower = cell.to_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    (says(&PENDING_WORDS), says(&FAILED_WORDS))
}

impl CsvMapping {
    /// The mapping as stored: trimmed, and checked for what can be checked without a file.
    pub fn clean(mut self) -> Result<CsvMapping> {
        self.source = text::required("source", "The source's name", &self.source, 60, Lines::One)?;
        if !DELIMITERS.contains(&self.delimiter) {
            return Err(Error::validation(
                "delimiter",
                "The delimiter is one of , ; tab or |.",
            ));
        }
        if self.chrono_date_format().is_none() {
            return Err(Error::validation(
                "date_format",
                format!(
                    "{:?} is not one of the date layouts offered.",
                    self.date_format
                ),
            ));
        }
        let column = |field: &'static str, label: &str, value: &str| {
            text::optional(field, label, value, 100, Lines::One).map(Option::unwrap_or_default)
        };
        self.date_column = column("date_column", "The date column", &self.date_column)?;
        self.currency_column = column(
            "currency_column",
            "The currency column",
            &self.currency_column,
        )?;
        self.id_column = column("id_column", "The transaction id column", &self.id_column)?;
        self.counterparty_column = column(
            "counterparty_column",
            "The other party's column",
            &self.counterparty_column,
        )?;
        self.reference_column = column(
            "reference_column",
            "The reference column",
            &self.reference_column,
        )?;
        self.status_column = column("status_column", "The status column", &self.status_column)?;
        if self.date_column.is_empty() {
            return Err(Error::validation("date_column", "Choose the date column."));
        }
        match &mut self.amount {
            AmountColumns::Signed { column: c } => {
                *c = column("amount", "The amount column", c)?;
                if c.is_empty() {
                    return Err(Error::validation("amount", "Choose the amount column."));
                }
            }
            AmountColumns::DebitCredit { debit, credit } => {
                *debit = column("amount", "The debit column", debit)?;
                *credit = column("amount", "The credit column", credit)?;
                if debit.is_empty() || credit.is_empty() {
                    return Err(Error::validation(
                        "amount",
                        "Choose both the debit (money out) and the credit (money in) column.",
                    ));
                }
            }
        }
        self.currency = self.currency.trim().to_uppercase();
        if self.currency_column.is_empty() && Currency::from_code(&self.currency).is_none() {
            return Err(Error::validation(
                "currency",
                "Choose the currency column, or the one currency of the whole file.",
            ));
        }
        Ok(self)
    }

    fn chrono_date_format(&self) -> Option<&'static str> {
        DATE_FORMATS
            .iter()
            .find(|(name, _)| *name == self.date_format)
            .map(|(_, format)| *format)
    }
}

/// The start of a CSV file as a mapping reads it, for choosing the columns.
#[derive(Debug, Clone, Serialize)]
pub struct CsvPreview {
    pub headers: Vec<String>,
    /// The first few rows under the header.
    pub rows: Vec<Vec<String>>,
}

/// The file's text in `encoding`, after the size check.
fn decode(bytes: &[u8], encoding: TextEncoding) -> Result<Cow<'_, str>> {
    check_size(bytes.len() as u64)?;
    decode_text(bytes, encoding)
}

/// Text written in `encoding` (UTF-8 without its byte-order mark), refused when it is not
/// UTF-8 as said, or empty.
pub(crate) fn decode_text(bytes: &[u8], encoding: TextEncoding) -> Result<Cow<'_, str>> {
    let text = match encoding {
        TextEncoding::Utf8 => Cow::Borrowed(utf8_text(
            bytes,
            "if it is written in Latin-1 (Windows-1252), choose that encoding in the mapping.",
        )?),
        TextEncoding::Latin1 => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    };
    if text.trim().is_empty() {
        return Err(bad_file("The file is empty."));
    }
    Ok(text)
}

/// The text from the header row on, and the header's line number.
pub(crate) fn after_preamble(text: &str, skip_lines: usize) -> Result<(&str, i64)> {
    let mut rest = text;
    for _ in 0..skip_lines {
        match rest.find('\n') {
            Some(end) => rest = &rest[end + 1..],
            None => {
                return Err(bad_file(format!(
                    "The file has fewer than {} lines; check the lines to skip.",
                    skip_lines + 1
                )))
            }
        }
    }
    Ok((rest, skip_lines as i64 + 1))
}

pub(crate) fn reader(text: &str, delimiter: char) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// The header and first rows of a CSV file read with the given delimiter, encoding and
/// preamble, so the user can choose its columns.
pub fn preview_csv(
    bytes: &[u8],
    delimiter: char,
    encoding: TextEncoding,
    skip_lines: usize,
) -> Result<CsvPreview> {
    if !DELIMITERS.contains(&delimiter) {
        return Err(Error::validation(
            "delimiter",
            "The delimiter is one of , ; tab or |.",
        ));
    }
    let text = decode(bytes, encoding)?;
    let (text, _) = after_preamble(&text, skip_lines)?;
    let mut reader = reader(text, delimiter);
    let headers = reader
        .headers()
        .map_err(|e| bad_file(format!("The header row cannot be read as CSV: {e}.")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let rows = reader
        .records()
        .take(5)
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
        .collect();
    Ok(CsvPreview { headers, rows })
}

/// Reads a bank's CSV statement through `mapping` (see the module description).
pub fn parse_mapped_csv(bytes: &[u8], mapping: &CsvMapping) -> Result<Statement> {
    let date_format = mapping
        .chrono_date_format()
        .ok_or_else(|| Error::validation("date_format", "Choose the date layout."))?;
    let text = decode(bytes, mapping.encoding)?;
    let (text, header_line) = after_preamble(&text, mapping.skip_lines)?;
    let mut reader = reader(text, mapping.delimiter);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad_file(format!("The header row cannot be read as CSV: {e}.")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let find = |name: &str| -> Result<Option<usize>> {
        if name.is_empty() {
            return Ok(None);
        }
        let wanted = name.trim().to_lowercase();
        match headers.iter().position(|h| *h == wanted) {
            Some(i) => Ok(Some(i)),
            None => Err(bad_file(format!(
                "The file has no column \"{name}\" (line {header_line} holds its headers); check the mapping for {}.",
                mapping.source
            ))),
        }
    };
    let date = find(&mapping.date_column)?.unwrap_or_default();
    let amount = match &mapping.amount {
        AmountColumns::Signed { column } => (find(column)?.unwrap_or_default(), None),
        AmountColumns::DebitCredit { debit, credit } => {
            (find(debit)?.unwrap_or_default(), find(credit)?)
        }
    };
    let currency_col = find(&mapping.currency_column)?;
    let fixed_currency = Currency::from_code(&mapping.currency);
    let id_col = find(&mapping.id_column)?;
    let counterparty_col = find(&mapping.counterparty_column)?;
    let reference_col = find(&mapping.reference_column)?;
    let status_col = find(&mapping.status_column)?;
    let source_key = text::compare_key(&mapping.source);

    let mut lines = Vec::new();
    let mut unreadable = Vec::new();
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line_no = header_line + 1 + i as i64;
        let record =
            record.map_err(|e| bad_file(format!("Line {line_no} cannot be read: {e}.")))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() < headers.len() {
            return Err(bad_file(format!(
                "Line {line_no} has {} cells where the header has {}; the file may be cut short.",
                record.len(),
                headers.len()
            )));
        }
        let cell = |c: usize| record.get(c).unwrap_or("").trim();
        let mark = if mapping.decimal_comma {
            DecimalMark::Comma
        } else {
            DecimalMark::Point
        };
        // What one bad cell makes unreadable is its line, not the file.
        let read = || -> std::result::Result<(Currency, i64, NaiveDate), String> {
            let cur = match currency_col {
                Some(c) => Currency::from_code(&cell(c).to_uppercase())
                    .ok_or_else(|| format!("{:?} is not an ISO 4217 currency", cell(c)))?,
                None => fixed_currency.ok_or_else(|| "the mapping names no currency".to_owned())?,
            };
            let amount_in = |c: usize| -> std::result::Result<Option<Money>, String> {
                let raw = cell(c);
                if raw.is_empty() {
                    return Ok(None);
                }
                read_amount(raw, mark, cur)
                    .map(Some)
                    .map_err(|why| format!("{raw:?} is not an amount in {}: {why}", cur.code()))
            };
            let minor = match amount {
                (column, None) => amount_in(column)?.map(Money::minor),
                (debit, Some(credit)) => match (amount_in(debit)?, amount_in(credit)?) {
                    (Some(d), c) if d.minor() != 0 && c.is_none_or(|c| c.minor() == 0) => {
                        Some(-d.minor().abs())
                    }
                    (d, Some(c)) if d.is_none_or(|d| d.minor() == 0) => Some(c.minor().abs()),
                    (Some(_), Some(_)) => {
                        return Err("it has both a debit and a credit amount".to_owned())
                    }
                    _ => None,
                },
            }
            .ok_or_else(|| "it has no amount".to_owned())?;
            let raw_date = cell(date);
            let booked_on = NaiveDate::parse_from_str(raw_date, date_format)
                .or_else(|e| match raw_date.split_whitespace().next() {
                    Some(day) if day != raw_date => NaiveDate::parse_from_str(day, date_format),
                    _ => Err(e),
                })
                .map_err(|_| {
                    format!(
                        "{raw_date:?} is not a date in the layout {}",
                        mapping.date_format
                    )
                })?;
            Ok((cur, minor, booked_on))
        };
        let (cur, minor, booked_on) = match read() {
            Ok(read) => read,
            Err(reason) => {
                unreadable.push(Unreadable { line_no, reason });
                continue;
            }
        };
        let counterparty = counterparty_col.map(cell).unwrap_or("").to_owned();
        let reference = reference_col.map(cell).unwrap_or("").to_owned();
        let id = id_col.map(cell).unwrap_or("").to_owned();
        let amount = Money::from_minor(minor, cur);
        let fingerprint = if id_col.is_some() {
            unique_id(&mut ids, &id, line_no)?;
            format!("csv:{source_key}:{id}")
        } else {
            // Without the bank's id a line is known by what it says, and by how many lines
            // before it in the file said exactly the same (two equal payments on one day).
            let content = format!(
                "{booked_on}|{minor}|{}|{counterparty}|{reference}",
                cur.code()
            );
            let n = occurrences.entry(content.clone()).or_default();
            *n += 1;
            let digest = Sha256::digest(format!("{content}|{n}").as_bytes());
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("csv:{source_key}:{hex}")
        };
        let payout_reference = payout_number(&reference).or_else(|| payout_number(&id));
        let returned = {
            let lower = reference.to_lowercase();
            [
                "return",
                "reversal",
                "retour",
                "rückläufer",
                "rückbuchung",
                "rueckbuchung",
            ]
            .iter()
            .any(|w| lower.contains(w))
        };
        let (pending, failed) = status_col.map(|c| read_status(cell(c))).unwrap_or_default();
        let kind = match minor {
            _ if failed => LineKind::Other,
            m if m < 0 => LineKind::Payment,
            m if m > 0 && (returned || payout_reference.is_some()) => LineKind::Return,
            _ => LineKind::Other,
        };
        let reference_is_id = !id.is_empty();
        let provider_reference: String = if !id.is_empty() {
            id
        } else if !reference.is_empty() {
            reference.chars().take(100).collect()
        } else {
            format!("{} {booked_on}", mapping.source)
        };
        lines.push(ParsedLine {
            line_no,
            fingerprint,
            booked_on,
            booked_at: None,
            amount,
            counterparty,
            fee_minor: 0,
            payout_reference,
            // A bank's CSV carries what the payer typed: free text, never a field of ours.
            reference_source: ReferenceSource::Text,
            provider_reference,
            reference_is_id,
            kind,
            description: reference,
            pending,
            batch_reference: None,
            // A bank's CSV says a transfer came back, not why.
            return_reason: (kind == LineKind::Return).then_some(FailureReason::ReturnedByBank),
            return_code: None,
        });
    }
    Statement { lines, unreadable }.checked()
}
