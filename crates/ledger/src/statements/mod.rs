//! Statement import and matching: a provider's record of what really moved, read and laid
//! beside the payouts, so the owner confirms which payouts were paid (or came back).
//!
//! Invariants: a bad file changes nothing and says what is wrong with it (line numbers where
//! there are any); a statement line is stored once however many files carry it, so importing
//! the same file again changes nothing and says so; matching never rests on the amount alone
//! (an exact payout or provider reference, or amount + currency + recipient + a date window);
//! an ambiguous match is only a suggestion; confirming lines moves their payouts in one audited
//! batch (source `import`).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{Diff, Entity, Event, Origin};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::payouts::status::{apply, current, Clean};
use crate::payouts::{Payout, PayoutRow, PayoutStatus, Skipped, SELECT_PAYOUT};
use crate::Ledger;

/// Statements larger than this are refused before they are read.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024 * 1024;

/// How far before a statement line a payout may have been created and still match it.
const WINDOW_DAYS: i64 = 45;

mod camt;
mod fields;
mod mapped;
mod paypal;

pub use camt::parse_camt053;
pub use fields::read_statement_file;
pub use mapped::{
    parse_mapped_csv, preview_csv, AmountColumns, CsvMapping, CsvPreview, TextEncoding,
    DATE_FORMATS, DELIMITERS,
};
pub use paypal::parse_paypal_csv;

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

    /// The file's lines, or what is wrong with it.
    pub fn parse(&self, bytes: &[u8]) -> Result<Vec<ParsedLine>> {
        match self {
            StatementFormat::PaypalCsv => parse_paypal_csv(bytes),
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
        format: &StatementFormat,
    ) -> Result<ImportOutcome> {
        let (name, bytes) = read_statement_file(path)?;
        self.import_statement(origin, &name, &bytes, format).await
    }

    /// Reads a statement and stores its new lines; see the module invariants.
    pub async fn import_statement(
        &self,
        origin: &Origin,
        file_name: &str,
        bytes: &[u8],
        format: &StatementFormat,
    ) -> Result<ImportOutcome> {
        let lines = format.parse(bytes)?;
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
                format!("{} imported.", plural(new_lines, "line"))
            } else {
                format!(
                    "{} imported; {known} {} imported before.",
                    plural(new_lines, "new line"),
                    if known == 1 { "was" } else { "were" }
                )
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
