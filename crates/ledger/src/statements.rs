//! Statement import and matching: a provider's record of what really moved, read and laid
//! beside the payouts, so the owner confirms which payouts were paid (or came back).
//!
//! Invariants: a bad file changes nothing and says what is wrong with it (line numbers where
//! there are any); a statement line is stored once however many files carry it, so importing
//! the same file again changes nothing and says so; matching never rests on the amount alone
//! (an exact payout or provider reference, or amount + currency + recipient + a date window);
//! an ambiguous match is only a suggestion; confirming lines moves their payouts in one audited
//! batch (source `import`).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{Diff, Entity, Event, Origin};
use crate::error::{Error, Result};
use crate::money::{Currency, Money};
use crate::payouts::status::{apply, current, Clean};
use crate::payouts::{Payout, PayoutRow, PayoutStatus, Skipped, SELECT_PAYOUT};
use crate::Ledger;

/// Statements larger than this are refused before they are read.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024 * 1024;

/// How far before a statement line a payout may have been created and still match it.
const WINDOW_DAYS: i64 = 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementFormat {
    /// PayPal's activity download ("Activity" > "Statements" > CSV).
    PaypalCsv,
    /// An ISO 20022 bank-to-customer statement (camt.053), as banks offer for download.
    Camt053,
}

impl StatementFormat {
    fn as_str(self) -> &'static str {
        match self {
            StatementFormat::PaypalCsv => "paypal_csv",
            StatementFormat::Camt053 => "camt053",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum LineKind {
    /// Money out to a recipient.
    Payment,
    /// Money back: a returned, reversed or refunded payment.
    Return,
    /// Anything else on the statement (fees, transfers, pending or denied items).
    Other,
}

/// One statement line as read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedLine {
    pub line_no: i64,
    pub fingerprint: String,
    pub booked_on: NaiveDate,
    pub amount: Money,
    pub counterparty: String,
    pub payout_reference: Option<String>,
    pub provider_reference: String,
    pub kind: LineKind,
    pub description: String,
}

fn bad_file(message: impl Into<String>) -> Error {
    Error::validation("file", message)
}

/// Reads a PayPal activity CSV: columns by header name (any order, any case), `,` `;` or tab,
/// a UTF-8 BOM, US (`1,234.56`, `MM/DD/YYYY`) and European (`1.234,56`, `DD/MM/YYYY`,
/// `DD.MM.YYYY`) layouts, ISO dates, and `Balance Impact` for the sign.
pub fn parse_paypal_csv(bytes: &[u8]) -> Result<Vec<ParsedLine>> {
    let text = statement_text(bytes, "PayPal")?;
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
    let reference_cols: Vec<usize> = [
        "custom number",
        "note",
        "subject",
        "item title",
        "item id",
        "reference txn id",
    ]
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
    let decimal_comma = records.iter().any(|(_, r)| {
        let g = cell(r, gross);
        g.rfind(',')
            .is_some_and(|i| g.len() - i - 1 <= 2 && g.rfind('.').is_none_or(|d| d < i))
    });
    let day_first = date_order(records.iter().map(|(_, r)| cell(r, date)), decimal_comma);

    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut lines = Vec::new();
    for (line_no, r) in &records {
        let line_no = *line_no;
        let id = cell(r, transaction);
        if id.is_empty() || id.chars().count() > 100 {
            return Err(bad_file(format!(
                "Line {line_no} has no usable Transaction ID."
            )));
        }
        if let Some(first) = seen.insert(id.clone(), line_no) {
            return Err(bad_file(format!(
                "Line {line_no} repeats transaction {id} of line {first}; the file looks damaged. Nothing was imported."
            )));
        }
        let code = cell(r, currency).to_uppercase();
        let cur = Currency::from_code(&code).ok_or_else(|| {
            bad_file(format!(
                "Line {line_no}: {code:?} is not an ISO 4217 currency."
            ))
        })?;
        let raw_amount = cell(r, gross);
        let mut amount = parse_amount(&raw_amount, decimal_comma, cur).ok_or_else(|| {
            bad_file(format!(
                "Line {line_no}: {raw_amount:?} is not an amount in {code}."
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
        let kind = if impact == "memo" || !(status_text.is_empty() || status_text == "completed") {
            LineKind::Other
        } else if amount.minor() < 0 && !returned {
            LineKind::Payment
        } else if amount.minor() > 0 && returned {
            LineKind::Return
        } else {
            LineKind::Other
        };
        let payout_reference = reference_cols
            .iter()
            .find_map(|&c| payout_number(&cell(r, c)));
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
            provider_reference: id,
            kind,
            description: kind_text,
        });
    }
    Ok(lines)
}

/// The size and encoding checks every statement passes first.
fn statement_text<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str> {
    if bytes.len() > MAX_STATEMENT_BYTES {
        return Err(bad_file(format!(
            "The file is {} MB; a statement can be at most {} MB. Export a shorter period.",
            bytes.len() / (1024 * 1024),
            MAX_STATEMENT_BYTES / (1024 * 1024)
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        bad_file(format!(
            "The file is not UTF-8 text (byte {} is not); {what} statements are UTF-8, so this is probably not one.",
            e.valid_up_to() + 1
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(bad_file("The file is empty."));
    }
    Ok(text)
}

/// One entry (`Ntry`) of a camt.053 statement, or one of its transactions (`TxDtls`).
#[derive(Default, Clone)]
struct CamtItem {
    amount: String,
    currency: String,
    credit: Option<bool>,
    booked: String,
    bank_reference: String,
    end_to_end: String,
    creditor: String,
    debtor: String,
    remittance: String,
    returned: bool,
}

/// Reads an ISO 20022 camt.053 statement (any version): each entry, or each transaction of a
/// batch entry, becomes a line; `EndToEndId` carries the payout id back, `AcctSvcrRef` is the
/// bank's reference, `CdtDbtInd` the sign, `RtrInf` or a reversal marks a return.
pub fn parse_camt053(bytes: &[u8]) -> Result<Vec<ParsedLine>> {
    use quick_xml::events::Event as Xml;
    let text = statement_text(bytes, "CAMT.053")?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    // An element's text, which entity references split into several events.
    let mut buffer = String::new();
    let (mut entry, mut tx) = (CamtItem::default(), CamtItem::default());
    let mut txs: Vec<CamtItem> = Vec::new();
    let mut in_tx = false;
    let mut saw_statement = false;
    let mut entries = 0;
    let mut lines = Vec::new();
    let mut seen: HashMap<String, i64> = HashMap::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            bad_file(format!(
                "The XML is damaged near byte {}: {e}. The file may be cut short.",
                reader.buffer_position()
            ))
        })?;
        match event {
            Xml::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                match name.as_str() {
                    "BkToCstmrStmt" => saw_statement = true,
                    "Ntry" => {
                        entry = CamtItem::default();
                        txs.clear();
                    }
                    "TxDtls" => {
                        tx = CamtItem::default();
                        in_tx = true;
                    }
                    "RtrInf" => {
                        if in_tx {
                            tx.returned = true
                        } else {
                            entry.returned = true
                        }
                    }
                    _ => {}
                }
                let currency = e.try_get_attribute("Ccy").ok().flatten().and_then(|a| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()
                        .map(|v| v.into_owned())
                });
                if let Some(ccy) = currency {
                    let item = if in_tx { &mut tx } else { &mut entry };
                    if name == "Amt"
                        && (item.currency.is_empty()
                            || path
                                .last()
                                .is_some_and(|p| p == "Ntry" || p == "TxAmt" || p == "TxDtls"))
                    {
                        item.currency = ccy;
                    }
                }
                path.push(name);
                buffer.clear();
            }
            Xml::Text(t) => buffer.push_str(&t.xml10_content()),
            Xml::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                buffer.extend(resolved);
            }
            Xml::End(e) => {
                let name = e.local_name().as_ref().to_owned();
                let value = std::mem::take(&mut buffer).trim().to_owned();
                if !value.is_empty() {
                    camt_text(&path, &value, in_tx, &mut entry, &mut tx);
                }
                path.pop();
                if name == "TxDtls" {
                    txs.push(std::mem::take(&mut tx));
                    in_tx = false;
                } else if name == "Ntry" {
                    entries += 1;
                    let items: Vec<CamtItem> = if txs.is_empty() {
                        vec![entry.clone()]
                    } else {
                        let single = txs.len() == 1;
                        txs.iter()
                            .map(|t| CamtItem {
                                amount: if t.amount.is_empty() && single {
                                    entry.amount.clone()
                                } else {
                                    t.amount.clone()
                                },
                                currency: if t.currency.is_empty() {
                                    entry.currency.clone()
                                } else {
                                    t.currency.clone()
                                },
                                credit: entry.credit,
                                booked: entry.booked.clone(),
                                bank_reference: if t.bank_reference.is_empty() {
                                    entry.bank_reference.clone()
                                } else {
                                    t.bank_reference.clone()
                                },
                                returned: t.returned || entry.returned,
                                ..t.clone()
                            })
                            .collect()
                    };
                    let batch = items.len() > 1;
                    for item in items {
                        let line = camt_line(&item, entries, batch)?;
                        if let Some(first) = seen.insert(line.fingerprint.clone(), entries) {
                            return Err(bad_file(format!(
                                "Entry {entries} repeats the transaction of entry {first} ({}); the file looks damaged. Nothing was imported.",
                                line.provider_reference
                            )));
                        }
                        lines.push(line);
                    }
                }
            }
            Xml::Eof if path.is_empty() => break,
            Xml::Eof => {
                return Err(bad_file(format!(
                    "The file ends inside <{}>: it is cut short. Nothing was imported.",
                    path.last().map(String::as_str).unwrap_or("")
                )))
            }
            _ => {}
        }
    }
    if !saw_statement {
        return Err(bad_file(
            "This is not a CAMT.053 statement: it has no BkToCstmrStmt element.",
        ));
    }
    if lines.is_empty() {
        return Err(bad_file("The statement has no entries."));
    }
    Ok(lines)
}

/// Files the text of the element at the end of `path` into the entry or transaction.
fn camt_text(path: &[String], value: &str, in_tx: bool, entry: &mut CamtItem, tx: &mut CamtItem) {
    let last = path.last().map(String::as_str).unwrap_or("");
    let parent = path.iter().rev().nth(1).map(String::as_str).unwrap_or("");
    let within = |name: &str| path.iter().any(|p| p == name);
    if !within("Ntry") {
        return;
    }
    let value = value.to_owned();
    let item = if in_tx { tx } else { &mut *entry };
    match (parent, last) {
        ("Ntry" | "TxAmt", "Amt") => item.amount = value,
        ("TxDtls", "Amt") if item.amount.is_empty() => item.amount = value,
        (_, "CdtDbtInd") => item.credit = Some(value == "CRDT"),
        ("BookgDt", "Dt" | "DtTm") => entry.booked = value.chars().take(10).collect(),
        (_, "AcctSvcrRef") => item.bank_reference = value,
        (_, "EndToEndId") => item.end_to_end = value,
        (_, "Nm") if within("Cdtr") => item.creditor = value,
        (_, "Nm") if within("Dbtr") => item.debtor = value,
        (_, "Ustrd") => item.remittance = value,
        (_, "RvslInd") if value == "true" => item.returned = true,
        _ => {}
    }
}

fn camt_line(item: &CamtItem, entry: i64, batch: bool) -> Result<ParsedLine> {
    let code = item.currency.to_uppercase();
    let currency = Currency::from_code(&code).ok_or_else(|| {
        bad_file(format!(
            "Entry {entry}: {code:?} is not an ISO 4217 currency."
        ))
    })?;
    let money = parse_amount(&item.amount, false, currency).ok_or_else(|| {
        bad_file(format!(
            "Entry {entry}: {:?} is not an amount in {code}.",
            item.amount
        ))
    })?;
    let credit = item
        .credit
        .ok_or_else(|| bad_file(format!("Entry {entry} has no CdtDbtInd.")))?;
    let amount = Money::from_minor(
        if credit {
            money.minor().abs()
        } else {
            -money.minor().abs()
        },
        currency,
    );
    let booked_on = NaiveDate::parse_from_str(&item.booked, "%Y-%m-%d")
        .map_err(|_| bad_file(format!("Entry {entry} has no booking date.")))?;
    let reference = match (item.bank_reference.as_str(), item.end_to_end.as_str()) {
        ("", "") | ("", "NOTPROVIDED") => {
            return Err(bad_file(format!(
                "Entry {entry} has no AcctSvcrRef or EndToEndId to recognise it by."
            )))
        }
        ("", e2e) => e2e.to_owned(),
        (bank, _) => bank.to_owned(),
    };
    let fingerprint = if batch {
        format!("camt:{reference}:{}", item.end_to_end)
    } else {
        format!("camt:{reference}")
    };
    let kind = match (credit, item.returned) {
        (false, false) => LineKind::Payment,
        (true, true) => LineKind::Return,
        (true, false) if payout_number(&item.end_to_end).is_some() => LineKind::Return,
        _ => LineKind::Other,
    };
    Ok(ParsedLine {
        line_no: entry,
        fingerprint,
        booked_on,
        amount,
        counterparty: if credit {
            item.debtor.clone()
        } else {
            item.creditor.clone()
        },
        payout_reference: payout_number(&item.end_to_end)
            .or_else(|| payout_number(&item.remittance)),
        provider_reference: reference.chars().take(100).collect(),
        kind,
        description: item.remittance.clone(),
    })
}

/// True when the file's dates put the day first: decided by a part above 12, else by the
/// decimal comma (European layouts put the day first).
fn date_order(dates: impl Iterator<Item = String>, decimal_comma: bool) -> bool {
    for d in dates {
        let parts: Vec<u32> = d
            .split(['/', '.', '-'])
            .filter_map(|p| p.trim().parse().ok())
            .collect();
        if parts.len() == 3 && parts[0] < 1000 {
            if parts[0] > 12 {
                return true;
            }
            if parts[1] > 12 {
                return false;
            }
        }
    }
    decimal_comma
}

fn parse_date(text: &str, day_first: bool) -> Option<NaiveDate> {
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

/// "-1,234.56", "−1.234,56", "(12.00)" in the currency's minor units.
fn parse_amount(text: &str, decimal_comma: bool, currency: Currency) -> Option<Money> {
    let text = text.replace(['\u{2212}', '\u{a0}', ' ', '\''], "");
    let (negative, text) = match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) => (true, inner.to_owned()),
        None => (false, text),
    };
    let (thousands, decimal) = if decimal_comma {
        ('.', ',')
    } else {
        (',', '.')
    };
    let plain: String = text
        .chars()
        .filter(|&c| c != thousands)
        .map(|c| if c == decimal { '.' } else { c })
        .collect();
    let money = Money::parse(&plain, currency).ok()?;
    Some(if negative {
        Money::from_minor(-money.minor(), currency)
    } else {
        money
    })
}

/// The payout number in `text` ("po-123" or "PO-000123"), normalised, if there is one.
fn payout_number(text: &str) -> Option<String> {
    let upper = text.to_uppercase();
    let start = upper.find("PO-")?;
    let digits: String = upper[start + 3..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let n: i64 = digits.parse().ok()?;
    Some(format!("PO-{n:06}"))
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    /// `None` when nothing was stored.
    pub import_id: Option<i64>,
    pub lines: usize,
    pub new_lines: usize,
    pub message: String,
}

/// A statement line as the review shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    pub id: i64,
    pub line_no: i64,
    pub booked_on: String,
    pub amount: Money,
    pub counterparty: String,
    pub provider_reference: String,
    pub payout_reference: Option<String>,
    pub kind: LineKind,
    pub description: String,
    pub state: MatchState,
    /// The payouts this line matches or may match, best first.
    pub candidates: Vec<Payout>,
    /// Why: "payout id PO-000012 in the customer id", "same amount, currency and recipient".
    pub evidence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchState {
    /// One payout, by an exact reference.
    Matched,
    /// One or more likely payouts: the user decides.
    Suggested,
    Unmatched,
    /// Confirmed earlier.
    Confirmed,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub import_id: i64,
    pub file_name: String,
    pub lines: Vec<ReviewLine>,
    /// Payouts On Process, in the statement's currencies, created before its last line, that
    /// no line matches or suggests.
    pub payouts_without_line: Vec<Payout>,
}

/// A line the user confirms against a payout.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Confirmation {
    pub line_id: i64,
    pub payout_id: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ConfirmOutcome {
    pub confirmed: Vec<String>,
    pub skipped: Vec<Skipped>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    line_no: i64,
    booked_on: String,
    amount_minor: i64,
    currency: String,
    counterparty: String,
    payout_reference: Option<String>,
    provider_reference: String,
    kind: LineKind,
    description: String,
    payout_id: Option<i64>,
}

impl Ledger {
    /// Reads the statement at `path` (refusing one too large before reading it) and imports it.
    pub async fn import_statement_file(
        &self,
        origin: &Origin,
        path: &std::path::Path,
        format: StatementFormat,
    ) -> Result<ImportOutcome> {
        let unreadable =
            |e: std::io::Error| bad_file(format!("{} cannot be read: {e}.", path.display()));
        let size = std::fs::metadata(path).map_err(unreadable)?.len();
        if size > MAX_STATEMENT_BYTES as u64 {
            return Err(bad_file(format!(
                "The file is {} MB; a statement can be at most {} MB. Export a shorter period.",
                size >> 20,
                MAX_STATEMENT_BYTES >> 20
            )));
        }
        let bytes = std::fs::read(path).map_err(unreadable)?;
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        self.import_statement(origin, &name, &bytes, format).await
    }

    /// Reads a statement and stores its new lines; see the module invariants.
    pub async fn import_statement(
        &self,
        origin: &Origin,
        file_name: &str,
        bytes: &[u8],
        format: StatementFormat,
    ) -> Result<ImportOutcome> {
        let lines = match format {
            StatementFormat::PaypalCsv => parse_paypal_csv(bytes)?,
            StatementFormat::Camt053 => parse_camt053(bytes)?,
        };
        let sha: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let earlier: Option<String> =
            sqlx::query_scalar("SELECT imported_at FROM statement_imports WHERE file_sha256 = ?")
                .bind(&sha)
                .fetch_optional(&self.reader)
                .await?;
        if let Some(at) = earlier {
            return Ok(ImportOutcome {
                import_id: None,
                lines: lines.len(),
                new_lines: 0,
                message: format!(
                    "This file was imported before ({}); nothing changed.",
                    &at[..10]
                ),
            });
        }
        let mut tx = self.begin_write(origin).await?;
        let at = tx.at();
        let import_id = sqlx::query(
            "INSERT INTO statement_imports (uuid, format, file_name, file_sha256, line_count, imported_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(Uuid::now_v7())
        .bind(format.as_str())
        .bind(file_name)
        .bind(&sha)
        .bind(lines.len() as i64)
        .bind(&at)
        .execute(tx.conn())
        .await?
        .last_insert_rowid();
        let mut new_lines = 0;
        for l in &lines {
            let inserted = sqlx::query(
                "INSERT INTO statement_lines (import_id, line_no, fingerprint, booked_on, amount_minor, currency,
                                              counterparty, payout_reference, provider_reference, kind, description)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (fingerprint) DO NOTHING",
            )
            .bind(import_id)
            .bind(l.line_no)
            .bind(&l.fingerprint)
            .bind(l.booked_on.to_string())
            .bind(l.amount.minor())
            .bind(l.amount.currency().code())
            .bind(&l.counterparty)
            .bind(&l.payout_reference)
            .bind(&l.provider_reference)
            .bind(l.kind)
            .bind(&l.description)
            .execute(tx.conn())
            .await?
            .rows_affected();
            new_lines += inserted as usize;
        }
        if new_lines == 0 {
            // Dropping the transaction rolls the import record back.
            return Ok(ImportOutcome {
                import_id: None,
                lines: lines.len(),
                new_lines: 0,
                message: format!(
                    "All {} lines of this file were imported before; nothing changed.",
                    lines.len()
                ),
            });
        }
        let diff = Diff::new()
            .created("file", file_name)
            .created("lines", lines.len())
            .created("new_lines", new_lines);
        tx.commit_with(Event {
            action: "import",
            entity: Entity::Book,
            entity_id: Some(import_id),
            diff,
            note: "Statement imported.",
        })
        .await?;
        let known = lines.len() - new_lines;
        Ok(ImportOutcome {
            import_id: Some(import_id),
            lines: lines.len(),
            new_lines,
            message: if known == 0 {
                format!("{new_lines} lines imported.")
            } else {
                format!("{new_lines} new lines imported; {known} were imported before.")
            },
        })
    }

    /// The lines of an import beside the payouts they match; see the module invariants.
    pub async fn statement_review(&self, import_id: i64) -> Result<Review> {
        let file_name: String =
            sqlx::query_scalar("SELECT file_name FROM statement_imports WHERE id = ?")
                .bind(import_id)
                .fetch_optional(&self.reader)
                .await?
                .ok_or_else(|| {
                    Error::NotFound(format!("There is no statement import {import_id}."))
                })?;
        let rows: Vec<LineRow> = sqlx::query_as(
            "SELECT id, line_no, booked_on, amount_minor, currency, counterparty, payout_reference,
                    provider_reference, kind, description, payout_id
               FROM statement_lines WHERE import_id = ? ORDER BY line_no",
        )
        .bind(import_id)
        .fetch_all(&self.reader)
        .await?;
        let mut lines = Vec::with_capacity(rows.len());
        let mut seen_payouts = std::collections::HashSet::new();
        let mut currencies = std::collections::BTreeSet::new();
        let mut last_day = String::new();
        for row in rows {
            let amount = crate::requests::stored_money(row.amount_minor, &row.currency)?;
            currencies.insert(row.currency.clone());
            last_day = last_day.max(row.booked_on.clone());
            let (state, candidates, evidence) = self.match_line(&row, amount).await?;
            seen_payouts.extend(candidates.iter().map(|p| p.id));
            lines.push(ReviewLine {
                id: row.id,
                line_no: row.line_no,
                booked_on: row.booked_on,
                amount,
                counterparty: row.counterparty,
                provider_reference: row.provider_reference,
                payout_reference: row.payout_reference,
                kind: row.kind,
                description: row.description,
                state,
                candidates,
                evidence,
            });
        }
        let mut payouts_without_line = Vec::new();
        for currency in &currencies {
            let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
                "{SELECT_PAYOUT} WHERE p.status = 'on_process' AND p.currency = ? AND p.created_at < ?
                  ORDER BY p.id LIMIT 200"
            ))
            .bind(currency)
            .bind(format!("{last_day}T23:59:59.999999Z"))
            .fetch_all(&self.reader)
            .await?;
            for row in rows.into_iter().filter(|r| !seen_payouts.contains(&r.id)) {
                payouts_without_line.push(Payout::try_from(row)?);
            }
        }
        Ok(Review {
            import_id,
            file_name,
            lines,
            payouts_without_line,
        })
    }

    async fn match_line(
        &self,
        row: &LineRow,
        amount: Money,
    ) -> Result<(MatchState, Vec<Payout>, String)> {
        if let Some(id) = row.payout_id {
            return Ok((
                MatchState::Confirmed,
                vec![self.payout(id).await?],
                "confirmed".into(),
            ));
        }
        if row.kind == LineKind::Other {
            return Ok((
                MatchState::Unmatched,
                Vec::new(),
                "not a payment or a return".into(),
            ));
        }
        let magnitude = amount.minor().abs();
        // 1. An exact reference: the payout id the provider carried back, or a stored reference.
        let by_number = match &row.payout_reference {
            Some(number) => {
                let id: i64 = number[3..].parse().unwrap_or(0);
                self.payout(id)
                    .await
                    .ok()
                    .map(|p| (p, format!("payout id {number} on the statement line")))
            }
            None => None,
        };
        let by_reference = || async {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM payouts WHERE external_reference = ?")
                    .bind(&row.provider_reference)
                    .fetch_optional(&self.reader)
                    .await?;
            Ok::<_, Error>(match id {
                Some(id) => Some((
                    self.payout(id).await?,
                    format!("external reference {}", row.provider_reference),
                )),
                None => None,
            })
        };
        let exact = match by_number {
            Some(found) => Some(found),
            None => by_reference().await?,
        };
        if let Some((payout, why)) = exact {
            let same =
                payout.amount.minor() == magnitude && payout.amount.currency() == amount.currency();
            return Ok(if same {
                (MatchState::Matched, vec![payout], why)
            } else {
                (
                    MatchState::Suggested,
                    vec![payout],
                    format!("{why}, but the amount differs"),
                )
            });
        }
        // 2. Amount, currency and recipient within the window; never the amount alone.
        let day = NaiveDate::parse_from_str(&row.booked_on, "%Y-%m-%d")
            .map_err(|_| Error::Storage("A statement line has a damaged date.".into()))?;
        let from = (day - Duration::days(WINDOW_DAYS)).to_string();
        let until = format!("{}T23:59:59.999999Z", day);
        let statuses: &[&str] = match row.kind {
            LineKind::Return => &["success", "on_process"],
            _ => &["pending", "on_process"],
        };
        let recipient = row.counterparty.trim().to_lowercase();
        if recipient.is_empty() {
            return Ok((
                MatchState::Unmatched,
                Vec::new(),
                "no recipient on the line to match by".into(),
            ));
        }
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM payouts
              WHERE currency = ? AND amount_minor = ? AND created_at >= ? AND created_at <= ?
                AND status IN ({})
                AND (lower(json_extract(account_snapshot, '$.handle')) = ?
                     OR lower(json_extract(account_snapshot, '$.holder_name')) = ?)
              ORDER BY created_at DESC LIMIT 10",
            statuses
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(amount.currency().code())
        .bind(magnitude)
        .bind(&from)
        .bind(&until)
        .bind(&recipient)
        .bind(&recipient)
        .fetch_all(&self.reader)
        .await?;
        let mut candidates = Vec::new();
        for id in ids {
            candidates.push(self.payout(id).await?);
        }
        Ok(match candidates.len() {
            0 => (
                MatchState::Unmatched,
                candidates,
                "no payout with this amount, currency and recipient".into(),
            ),
            1 => (
                MatchState::Suggested,
                candidates,
                format!("same amount, currency and recipient ({})", row.counterparty),
            ),
            n => (
                MatchState::Suggested,
                candidates,
                format!("{n} payouts have the same amount, currency and recipient: choose one"),
            ),
        })
    }

    /// Confirms lines against payouts: a payment moves its payout to Success with the provider's
    /// reference, a return moves it to Failed; all in one audited batch.
    pub async fn confirm_statement_lines(
        &self,
        origin: &Origin,
        import_id: i64,
        confirmations: &[Confirmation],
    ) -> Result<ConfirmOutcome> {
        if confirmations.is_empty() {
            return Err(Error::validation(
                "confirmations",
                "Tick the lines to confirm.",
            ));
        }
        let mut outcome = ConfirmOutcome::default();
        let mut tx = self.begin_write(origin).await?;
        let at = tx.at();
        for c in confirmations {
            let number = format!("PO-{:06}", c.payout_id);
            let skip = |reason: String| Skipped {
                id: c.payout_id,
                number: number.clone(),
                reason,
            };
            let line: Option<(String, LineKind, Option<i64>)> = sqlx::query_as(
                "SELECT provider_reference, kind, payout_id FROM statement_lines WHERE id = ? AND import_id = ?",
            )
            .bind(c.line_id)
            .bind(import_id)
            .fetch_optional(tx.conn())
            .await?;
            let Some((reference, kind, linked)) = line else {
                outcome
                    .skipped
                    .push(skip("That statement line is not in this import.".into()));
                continue;
            };
            if linked.is_some() {
                outcome
                    .skipped
                    .push(skip("That statement line was confirmed before.".into()));
                continue;
            }
            let now = match current(tx.conn(), c.payout_id).await {
                Ok(now) => now,
                Err(Error::NotFound(reason)) => {
                    outcome.skipped.push(skip(reason));
                    continue;
                }
                Err(err) => return Err(err),
            };
            let change = match kind {
                LineKind::Payment => Clean::new(
                    PayoutStatus::Success,
                    Some(reference.clone()),
                    format!("Paid: statement line {reference}."),
                ),
                LineKind::Return => Clean::new(
                    PayoutStatus::Failed,
                    None,
                    format!("Returned: statement line {reference}."),
                ),
                LineKind::Other => {
                    outcome
                        .skipped
                        .push(skip("That line is neither a payment nor a return.".into()));
                    continue;
                }
            };
            // A payout already where the line puts it (marked paid by hand with this very
            // reference, say) is only linked; the link is still an audited decision.
            let settled = match kind {
                LineKind::Payment => {
                    now.status == PayoutStatus::Success
                        && now.external_reference.as_deref() == Some(reference.as_str())
                }
                _ => now.status == PayoutStatus::Failed,
            };
            if settled {
                tx.record(Event {
                    action: "reconcile",
                    entity: Entity::Payout,
                    entity_id: Some(c.payout_id),
                    diff: Diff::new(),
                    note: &format!(
                        "Statement line {reference} confirmed; the payout was already settled."
                    ),
                })
                .await?;
            } else if let Err(reason) = apply(&mut tx, &now, &change).await? {
                outcome.skipped.push(skip(reason));
                continue;
            }
            sqlx::query("UPDATE statement_lines SET payout_id = ?, confirmed_at = ? WHERE id = ?")
                .bind(c.payout_id)
                .bind(&at)
                .bind(c.line_id)
                .execute(tx.conn())
                .await?;
            outcome.confirmed.push(number);
        }
        if !outcome.confirmed.is_empty() {
            tx.commit().await?;
        }
        Ok(outcome)
    }
}
