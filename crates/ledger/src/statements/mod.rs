//! Statement import and matching: a provider's record of what really moved, read and laid
//! beside the payouts, so the owner confirms which payouts were paid (or came back).
//!
//! Invariants: a bad file changes nothing and says what is wrong with it (line numbers where
//! there are any); a statement line is stored once however many files carry it, so importing
//! the same file again changes nothing and says so; matching never rests on the amount alone
//! (an exact payout or provider reference, or amount + currency + recipient + a date window);
//! an ambiguous match is only a suggestion; confirming lines moves their payouts in one audited
//! batch (source `import`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{Action, Diff, Event, Origin, Record};
use crate::error::{Error, Result};
use crate::ids::PayoutId;
use crate::money::Money;
use crate::payouts::paid::{Fee, Settlement};
use crate::payouts::status::{currents, Clean, Current, Moves};
use crate::payouts::{FailureReason, PayoutStatus, Skipped};
use crate::progress::Progress;
use crate::refusal::Refusal;
use crate::Ledger;

/// Statements larger than this are refused before they are read.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024 * 1024;

mod amount;
mod camt;
mod counterparties;
mod dismissals;
mod fields;
mod headless;
mod imports;
mod instant;
mod mapped;
mod matching;
mod names;
mod paypal;
mod review;

pub(crate) use amount::{decimal_mark, read_amount, DecimalMark};
pub use camt::parse_camt053;
pub use counterparties::StatementName;
pub use fields::{read_statement_file, DateOrder};
pub use headless::LineVerdict;
pub use imports::ImportSummary;
pub(crate) use mapped::{after_preamble, decode_text, reader as csv_reader};
pub use mapped::{
    parse_mapped_csv, preview_csv, AmountColumns, CsvMapping, CsvPreview, TextEncoding,
    DATE_FORMATS, DELIMITERS,
};
pub use matching::MatchState;
pub use paypal::parse_paypal_csv;
pub use review::{Review, ReviewCounts, ReviewLine, ReviewQuery};

/// What kind of statement a file is, and so how it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", content = "mapping", rename_all = "snake_case")]
pub enum StatementFormat {
    /// PayPal's activity download ("Activity" > "Statements" > CSV).
    PaypalCsv,
    /// An ISO 20022 bank-to-customer statement (camt.053), as banks offer for download.
    Camt053,
    /// Any bank's CSV export, read through the owner's column mapping for that bank.
    GenericCsv(Box<CsvMapping>),
}

impl StatementFormat {
    fn as_str(&self) -> &'static str {
        match self {
            StatementFormat::PaypalCsv => "paypal_csv",
            StatementFormat::Camt053 => "camt053",
            StatementFormat::GenericCsv(_) => "generic_csv",
        }
    }

    /// The file's lines, or what is wrong with it; `dates` says how to read dates the file
    /// itself cannot decide (asked of the user when [`Error::AmbiguousDates`] says so).
    pub fn parse(&self, bytes: &[u8], dates: Option<DateOrder>) -> Result<Statement> {
        match self {
            StatementFormat::PaypalCsv => parse_paypal_csv(bytes, dates),
            StatementFormat::Camt053 => parse_camt053(bytes),
            StatementFormat::GenericCsv(mapping) => parse_mapped_csv(bytes, mapping),
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

/// Where a line's payout number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ReferenceSource {
    /// A field the app itself filled in the file it wrote (SEPA's EndToEndId, PayPal's custom
    /// number): with the amount, currency and direction, proof.
    Field,
    /// Free text (a bank's remittance line, a note): evidence that needs the recipient too.
    Text,
}

/// One statement line as read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedLine {
    pub line_no: i64,
    pub fingerprint: String,
    pub booked_on: NaiveDate,
    /// When the provider booked it, where the statement gives a time and a zone.
    pub booked_at: Option<DateTime<Utc>>,
    pub amount: Money,
    pub counterparty: String,
    /// What the provider charged (PayPal's fee, a bank's charges), in minor units, `>= 0`.
    pub fee_minor: i64,
    /// The payout number the line carries ("PO-000012"), if any, and where it stood.
    pub payout_reference: Option<String>,
    pub reference_source: ReferenceSource,
    pub provider_reference: String,
    /// Whether `provider_reference` is the provider's own id of the transaction, not text
    /// standing in for one: only an id matches a payout by its stored reference.
    pub reference_is_id: bool,
    pub kind: LineKind,
    pub description: String,
    /// The provider has not completed the transaction: shown, never confirmed.
    pub pending: bool,
    /// The payment file a bank booked as this one collective line (its PmtInfId or MsgId).
    pub batch_reference: Option<String>,
    /// Why the payout it returns failed, for a return.
    pub return_reason: Option<FailureReason>,
    /// The bank's ISO 20022 return reason code (AC04), where the statement gives one.
    pub return_code: Option<String>,
}

/// A line of a statement file that could not be read, and why ("\"abc\" is not an amount in
/// EUR"); `line_no` is the file's line, or for camt.053 the entry's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Unreadable {
    pub line_no: i64,
    pub reason: String,
}

/// What a statement file holds: the lines read, and those that could not be. One bad line
/// never loses the others; only a file that is not a statement, or is broken as a whole, is
/// refused.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub lines: Vec<ParsedLine>,
    pub unreadable: Vec<Unreadable>,
}

impl Statement {
    /// Refuses a file none of whose lines could be read, saying why for the first of them.
    pub(super) fn checked(self) -> Result<Statement> {
        if self.lines.is_empty() {
            let why: Vec<String> = self
                .unreadable
                .iter()
                .take(3)
                .map(|u| format!("line {}: {}", u.line_no, u.reason))
                .collect();
            return Err(bad_file(if why.is_empty() {
                "The file has headers but no transactions.".to_owned()
            } else {
                format!("No line of the file could be read ({}).", why.join("; "))
            }));
        }
        Ok(self)
    }
}

/// "1 line", "2 lines".
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn bad_file(message: impl Into<String>) -> Error {
    Error::validation("file", message)
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

/// Whether a line of `line_minor` (signed) with a provider's fee of `fee_minor` is a payment
/// or return of `payout_minor`: the amount itself, or the amount before or after the fee (a
/// bank that keeps its charges from a return credits less than was sent).
pub(crate) fn amount_agrees(line_minor: i64, fee_minor: i64, payout_minor: i64) -> bool {
    let amount = line_minor.abs();
    amount == payout_minor
        || fee_minor > 0
            && (amount.checked_add(fee_minor) == Some(payout_minor)
                || amount.checked_sub(fee_minor) == Some(payout_minor))
}

/// What a confirm reads of a statement line.
#[derive(Deserialize)]
struct StoredLine {
    id: i64,
    import_id: i64,
    /// The provider's reference.
    reference: String,
    kind: LineKind,
    /// The payout the line was confirmed for.
    linked: Option<PayoutId>,
    line_minor: i64,
    line_currency: String,
    pending: bool,
    fee_minor: i64,
    booked_on: String,
    counterparty: String,
    dismissed: bool,
    batch_reference: Option<String>,
    return_reason: Option<FailureReason>,
    return_code: Option<String>,
}

impl StoredLine {
    /// The day the provider booked the line: what a payout it pays was paid on.
    fn paid_on(&self) -> Result<NaiveDate> {
        NaiveDate::parse_from_str(&self.booked_on, "%Y-%m-%d").map_err(|_| matching::damaged())
    }

    /// Why this line is not a payment (or return) of the payout as it is `now`, if it is not.
    fn disagrees_with(&self, now: &Current) -> Option<Refusal> {
        if self.pending {
            Some(Refusal::LinePending)
        } else if self.line_currency != now.currency {
            Some(Refusal::LineCurrencyDiffers {
                line: self.line_currency.clone(),
                payout: now.currency.clone(),
            })
        } else if !amount_agrees(self.line_minor, self.fee_minor, now.amount_minor) {
            Some(Refusal::LineAmountDiffers)
        } else if self.kind == LineKind::Return && now.status == PayoutStatus::Pending {
            Some(Refusal::ReturnOfUnsentPayout(now.status))
        } else {
            None
        }
    }
}

/// Confirms a bank's one entry for a whole payment file the app wrote: every payout of the file
/// moves to Success together, or none does. `chosen` (what the webview sent) must be one of
/// them; the entry's amount must be the file's total.
async fn pay_file(
    tx: &mut crate::audit::WriteTx<'_>,
    line: &StoredLine,
    file: &matching::WrittenFile,
    chosen: PayoutId,
    payouts: &mut std::collections::HashMap<PayoutId, Current>,
    moves: &mut Moves,
) -> Result<std::result::Result<Vec<PayoutId>, Refusal>> {
    let ids = file.payouts()?;
    if !ids.contains(&chosen) {
        return Ok(Err(Refusal::PayoutNotInFile(chosen)));
    }
    if line.pending {
        return Ok(Err(Refusal::LinePending));
    }
    if line.kind != LineKind::Payment {
        return Ok(Err(Refusal::LineNeitherPaymentNorReturn));
    }
    if line.line_currency != file.currency {
        return Ok(Err(Refusal::LineCurrencyDiffers {
            line: line.line_currency.clone(),
            payout: file.currency.clone(),
        }));
    }
    // The file's total, with the bank's charges for it taken out or added.
    if !amount_agrees(line.line_minor, line.fee_minor, file.total_minor) {
        return Ok(Err(Refusal::LineAmountDiffers));
    }
    // Every payout first, so that a refusal changes none of them.
    for id in &ids {
        let Some(now) = payouts.get(id) else {
            return Ok(Err(Refusal::NoSuchPayout(*id)));
        };
        let settled = now.status == PayoutStatus::Success
            && now.external_reference.as_deref() == Some(line.reference.as_str());
        if !settled && !now.status.can_move_to(PayoutStatus::Success) {
            return Ok(Err(Refusal::MoveNotAllowed {
                from: now.status,
                to: PayoutStatus::Success,
            }));
        }
    }
    let paid_on = line.paid_on()?;
    // The entry's charges, shared over the file's payouts by amount.
    let amounts: Vec<i64> = ids.iter().map(|id| payouts[id].amount_minor).collect();
    let fees = crate::money::allocate(line.fee_minor, &amounts);
    for (id, fee) in ids.iter().zip(fees) {
        let now = payouts.get_mut(id).expect("checked above");
        // Paid already with this very reference (checked above): only the link is recorded.
        if now.status == PayoutStatus::Success {
            tx.record(Event {
                action: Action::Reconcile,
                record: Record::Payout(*id),
                diff: Diff::new(),
                note: &format!(
                    "Statement line {} confirmed, one entry for the whole payment file; the payout was already settled.",
                    line.reference
                ),
            })
            .await?;
            continue;
        }
        let change = Clean::new(
            PayoutStatus::Success,
            Some(line.reference.clone()),
            format!(
                "Paid: statement line {}, one entry for the whole payment file.",
                line.reference
            ),
            Some(Settlement {
                paid_on: Some(paid_on),
                via: None,
                fee: Some(Fee::OfPayout(fee)),
            }),
        );
        if let Err(refusal) = moves.stage(tx, now, &change).await? {
            // Checked above; a refusal here would leave the file half paid, so nothing is.
            return Err(Error::Conflict(format!("{id} cannot be paid: {refusal}")));
        }
    }
    Ok(Ok(ids))
}

/// The lines of `ids` (of `import_id`, when given), 10,000 to a query.
async fn stored_lines(
    conn: &mut sqlx::SqliteConnection,
    ids: &[i64],
    import_id: Option<i64>,
) -> Result<std::collections::HashMap<i64, StoredLine>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        // One JSON array of rows in `StoredLine`'s field order (see `currents`).
        let rows: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(
                        id, import_id, provider_reference, kind, payout_id, amount_minor, currency,
                        iif(pending, json('true'), json('false')), fee_minor, booked_on,
                        counterparty, iif(dismissed_at IS NOT NULL, json('true'), json('false')),
                        batch_reference, return_reason, return_code))
               FROM statement_lines
              WHERE id IN (SELECT value FROM json_each(?)) AND (?2 IS NULL OR import_id = ?2)",
        )
        .bind(serde_json::to_string(chunk).expect("ids serialise"))
        .bind(import_id)
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<StoredLine> = serde_json::from_str(&rows).map_err(|_| matching::damaged())?;
        found.extend(rows.into_iter().map(|l| (l.id, l)));
    }
    Ok(found)
}

/// A line the user confirms against a payout.
#[derive(Debug, Clone, Copy, Deserialize, sqlx::FromRow)]
pub struct Confirmation {
    pub line_id: i64,
    pub payout_id: PayoutId,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ConfirmOutcome {
    pub confirmed: Vec<String>,
    pub skipped: Vec<Skipped>,
}

impl Ledger {
    /// Reads the statement at `path` (refusing one too large before reading it) and imports it.
    pub async fn import_statement_file(
        &self,
        origin: &Origin,
        path: &std::path::Path,
        format: &StatementFormat,
        dates: Option<DateOrder>,
    ) -> Result<ImportOutcome> {
        let (name, bytes) = read_statement_file(path)?;
        self.import_statement_dated(origin, &name, &bytes, format, dates)
            .await
    }

    /// Reads a statement and stores its new lines; see the module invariants.
    pub async fn import_statement(
        &self,
        origin: &Origin,
        file_name: &str,
        bytes: &[u8],
        format: &StatementFormat,
    ) -> Result<ImportOutcome> {
        self.import_statement_dated(origin, file_name, bytes, format, None)
            .await
    }

    /// As [`Ledger::import_statement`], reading dates the file cannot decide as `dates` says.
    pub async fn import_statement_dated(
        &self,
        origin: &Origin,
        file_name: &str,
        bytes: &[u8],
        format: &StatementFormat,
        dates: Option<DateOrder>,
    ) -> Result<ImportOutcome> {
        let Statement { lines, unreadable } = format.parse(bytes, dates)?;
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
        // Every line is decided before the write begins, and stored with its decision.
        let generation = self.matching_generation().await?;
        let rows: Vec<matching::LineRow> = lines
            .iter()
            .enumerate()
            .map(|(k, l)| matching::LineRow::read(k as i64, l, None))
            .collect();
        let decisions = self.match_lines(&rows).await?;
        drop(rows);
        let mut tx = self.begin_write(origin).await?;
        let at = tx.at();
        let days = lines.iter().map(|l| l.booked_on);
        let currencies: std::collections::BTreeSet<&str> =
            lines.iter().map(|l| l.amount.currency().code()).collect();
        let import_id = sqlx::query(
            "INSERT INTO statement_imports (uuid, format, file_name, file_sha256, line_count, imported_at,
                                            first_booked_on, last_booked_on, currencies)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(Uuid::now_v7())
        .bind(format.as_str())
        .bind(file_name)
        .bind(&sha)
        .bind(lines.len() as i64)
        .bind(&at)
        .bind(days.clone().min().map(|d| d.to_string()))
        .bind(days.max().map(|d| d.to_string()))
        .bind(serde_json::json!(currencies).to_string())
        .execute(tx.conn())
        .await?
        .last_insert_rowid();
        // 500 lines per statement: one round trip and one statement plan for many rows.
        let mut new_lines = 0;
        let mut candidates = Vec::new();
        for (chunk, decided) in lines.chunks(500).zip(decisions.chunks(500)) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO statement_lines (import_id, line_no, fingerprint, booked_on, amount_minor, currency,
                                              counterparty, payout_reference, reference_source, provider_reference,
                                              kind, description, pending, fee_minor, reference_is_id, booked_at,
                                              match_state, match_evidence, batch_reference,
                                              return_reason, return_code) ",
            );
            insert.push_values(chunk.iter().zip(decided), |mut row, (l, d)| {
                row.push_bind(import_id)
                    .push_bind(l.line_no)
                    .push_bind(&l.fingerprint)
                    .push_bind(l.booked_on.to_string())
                    .push_bind(l.amount.minor())
                    .push_bind(l.amount.currency().code())
                    .push_bind(&l.counterparty)
                    .push_bind(&l.payout_reference)
                    .push_bind(l.reference_source)
                    .push_bind(&l.provider_reference)
                    .push_bind(l.kind)
                    .push_bind(&l.description)
                    .push_bind(l.pending)
                    .push_bind(l.fee_minor)
                    .push_bind(l.reference_is_id)
                    .push_bind(l.booked_at.map(crate::audit::timestamp))
                    .push_bind(d.state)
                    .push_bind(&d.evidence)
                    .push_bind(&l.batch_reference)
                    .push_bind(l.return_reason)
                    .push_bind(&l.return_code);
            });
            insert.push(" ON CONFLICT (fingerprint) DO NOTHING RETURNING id, fingerprint");
            let stored: Vec<(i64, String)> = insert.build_query_as().fetch_all(tx.conn()).await?;
            new_lines += stored.len();
            let by_fingerprint: std::collections::HashMap<&str, &matching::Decision> = chunk
                .iter()
                .zip(decided)
                .map(|(l, d)| (l.fingerprint.as_str(), d))
                .collect();
            for (id, fingerprint) in stored {
                let decision = by_fingerprint[fingerprint.as_str()];
                candidates.extend(
                    decision
                        .candidates
                        .iter()
                        .enumerate()
                        .map(|(rank, payout)| (id, rank, *payout)),
                );
            }
        }
        for chunk in candidates.chunks(10_000) {
            sqlx::query(
                "INSERT INTO statement_candidates (line_id, rank, payout_id)
                 SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)",
            )
            .bind(serde_json::to_string(chunk).expect("candidates serialise"))
            .execute(tx.conn())
            .await?;
        }
        sqlx::query("UPDATE statement_imports SET decided_generation = ? WHERE id = ?")
            .bind(generation)
            .bind(import_id)
            .execute(tx.conn())
            .await?;
        review::count_states(tx.conn(), import_id).await?;
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
        for u in &unreadable {
            sqlx::query(
                "INSERT OR IGNORE INTO statement_unreadable (import_id, line_no, reason) VALUES (?, ?, ?)",
            )
            .bind(import_id)
            .bind(u.line_no)
            .bind(&u.reason)
            .execute(tx.conn())
            .await?;
        }
        let diff = Diff::new()
            .created("file", file_name)
            .created("lines", lines.len())
            .created("new_lines", new_lines)
            .created("unreadable", unreadable.len());
        tx.commit_with(Event {
            action: Action::Import,
            record: Record::StatementImport(import_id),
            diff,
            note: "Statement imported.",
        })
        .await?;
        let known = lines.len() - new_lines;
        let left_out = match unreadable.len() {
            0 => String::new(),
            n => format!(
                " {} could not be read (see the review).",
                if n == 1 {
                    "1 line".to_owned()
                } else {
                    format!("{n} lines")
                }
            ),
        };
        Ok(ImportOutcome {
            import_id: Some(import_id),
            lines: lines.len(),
            new_lines,
            message: if known == 0 {
                format!("{} imported.{left_out}", plural(new_lines, "line"))
            } else {
                format!(
                    "{} imported; {known} {} imported before.{left_out}",
                    plural(new_lines, "new line"),
                    if known == 1 { "was" } else { "were" }
                )
            },
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
        self.confirm_lines(origin, Some(import_id), confirmations, &|_| true)
            .await
    }

    /// As [`Ledger::confirm_statement_lines`], for lines of any import (the pool of open lines).
    pub async fn confirm_open_lines(
        &self,
        origin: &Origin,
        confirmations: &[Confirmation],
    ) -> Result<ConfirmOutcome> {
        self.confirm_lines(origin, None, confirmations, &|_| true)
            .await
    }

    /// As [`Ledger::confirm_statement_lines`], telling `progress` every 1,000 lines; when it
    /// answers false, nothing is changed and the answer is [`Error::Cancelled`].
    pub(super) async fn confirm_lines(
        &self,
        origin: &Origin,
        import_id: Option<i64>,
        confirmations: &[Confirmation],
        progress: Progress<'_>,
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
        // Every line and payout the batch names, read once; each confirm then checks the pair
        // as it stands after the confirms before it in the batch.
        let line_ids: Vec<i64> = confirmations.iter().map(|c| c.line_id).collect();
        let mut lines = stored_lines(tx.conn(), &line_ids, import_id).await?;
        // The payment files collective lines book, with all their payouts.
        let files = self
            .written_files(lines.values().filter_map(|l| l.batch_reference.as_deref()))
            .await?;
        let mut payout_ids: Vec<PayoutId> = confirmations.iter().map(|c| c.payout_id).collect();
        for file in files.values() {
            payout_ids.extend(file.payouts()?);
        }
        let mut payouts = currents(tx.conn(), &payout_ids).await?;
        let mut moves = Moves::default();
        let mut linked: Vec<(i64, PayoutId)> = Vec::with_capacity(confirmations.len());
        let mut collective: Vec<i64> = Vec::new();
        let mut names: Vec<(String, PayoutId, String)> = Vec::new();
        for (done, c) in confirmations.iter().enumerate() {
            if done % 1_000 == 0 && done > 0 && !progress(done as u64) {
                // Dropping the transaction undoes the lines confirmed so far.
                return Err(Error::Cancelled);
            }
            let skip = |refusal: Refusal| Skipped::new(c.payout_id, refusal);
            let Some(line) = lines.get_mut(&c.line_id) else {
                outcome.skipped.push(skip(Refusal::LineNotInImport));
                continue;
            };
            if line.linked.is_some() {
                outcome.skipped.push(skip(Refusal::LineConfirmedBefore));
                continue;
            }
            if line.dismissed {
                outcome.skipped.push(skip(Refusal::LineDismissed));
                continue;
            }
            if let Some(file) = line.batch_reference.as_deref().and_then(|b| files.get(b)) {
                match pay_file(&mut tx, line, file, c.payout_id, &mut payouts, &mut moves).await? {
                    Ok(paid) => {
                        line.linked = Some(c.payout_id);
                        linked.push((c.line_id, c.payout_id));
                        collective.push(c.line_id);
                        outcome
                            .confirmed
                            .extend(paid.iter().map(PayoutId::to_string));
                    }
                    Err(refusal) => outcome.skipped.push(skip(refusal)),
                }
                continue;
            }
            let Some(now) = payouts.get_mut(&c.payout_id) else {
                outcome
                    .skipped
                    .push(skip(Refusal::NoSuchPayout(c.payout_id)));
                continue;
            };
            // The webview says which payout a line pays; the ledger checks that they agree.
            if let Some(refusal) = line.disagrees_with(now) {
                outcome.skipped.push(skip(refusal));
                continue;
            }
            let change = match line.kind {
                LineKind::Payment => Clean::new(
                    PayoutStatus::Success,
                    Some(line.reference.clone()),
                    format!("Paid: statement line {}.", line.reference),
                    Some(Settlement {
                        paid_on: Some(line.paid_on()?),
                        via: None,
                        fee: Some(Fee::OfPayout(line.fee_minor)),
                    }),
                ),
                LineKind::Return => Clean::returned(
                    line.return_reason.unwrap_or(FailureReason::ReturnedByBank),
                    match &line.return_code {
                        Some(code) => {
                            format!("Returned: statement line {} ({code}).", line.reference)
                        }
                        None => format!("Returned: statement line {}.", line.reference),
                    },
                ),
                LineKind::Other => {
                    outcome
                        .skipped
                        .push(skip(Refusal::LineNeitherPaymentNorReturn));
                    continue;
                }
            };
            // A payout already where the line puts it (marked paid by hand with this very
            // reference, say) is only linked; the link is still an audited decision.
            let settled = match line.kind {
                LineKind::Payment => {
                    now.status == PayoutStatus::Success
                        && now.external_reference.as_deref() == Some(line.reference.as_str())
                }
                _ => now.status == PayoutStatus::Failed,
            };
            if settled {
                tx.record(Event {
                    action: Action::Reconcile,
                    record: Record::Payout(c.payout_id),
                    diff: Diff::new(),
                    note: &format!(
                        "Statement line {} confirmed; the payout was already settled.",
                        line.reference
                    ),
                })
                .await?;
            } else if let Err(refusal) = moves.stage(&mut tx, now, &change).await? {
                outcome.skipped.push(skip(refusal));
                continue;
            }
            line.linked = Some(c.payout_id);
            linked.push((c.line_id, c.payout_id));
            names.push((
                std::mem::take(&mut line.counterparty),
                c.payout_id,
                line.reference.clone(),
            ));
            outcome.confirmed.push(c.payout_id.to_string());
        }
        moves.write(&mut tx).await?;
        for chunk in linked.chunks(10_000) {
            let pairs = serde_json::to_string(chunk).expect("pairs serialise");
            sqlx::query(
                "UPDATE statement_lines
                    SET payout_id = c.value ->> 1, confirmed_at = ?, match_state = 'confirmed'
                   FROM json_each(?) c WHERE statement_lines.id = c.value ->> 0",
            )
            .bind(&at)
            .bind(&pairs)
            .execute(tx.conn())
            .await?;
            // A collective line keeps its candidates: the payouts of the file it paid.
            sqlx::query(
                "DELETE FROM statement_candidates
                  WHERE line_id IN (SELECT value ->> 0 FROM json_each(?))
                    AND line_id NOT IN (SELECT value FROM json_each(?))",
            )
            .bind(&pairs)
            .bind(serde_json::to_string(&collective).expect("ids serialise"))
            .execute(tx.conn())
            .await?;
        }
        counterparties::remember_all(&mut tx, &names).await?;
        let mut imports: Vec<i64> = linked
            .iter()
            .filter_map(|(line, _)| lines.get(line).map(|l| l.import_id))
            .collect();
        imports.sort_unstable();
        imports.dedup();
        for import in imports {
            review::count_states(tx.conn(), import).await?;
        }
        if !outcome.confirmed.is_empty() {
            // Asked once more before the commit: a cancel after the last thousand lines still
            // undoes them all.
            if !progress(confirmations.len() as u64) {
                return Err(Error::Cancelled);
            }
            tx.commit().await?;
        }
        Ok(outcome)
    }
}
