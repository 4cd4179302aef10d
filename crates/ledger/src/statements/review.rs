//! The review of an import: each statement line beside the payout it matches, or the payouts
//! it may match with the evidence, a page at a time.
//!
//! Matching is set-based, so a statement of 100,000 lines costs a handful of queries, not
//! several per line: the payouts the lines name (by payout id) and the stored references they
//! carry are looked up in one query each, and the remaining lines are matched by amount,
//! currency, recipient and date window in one join along `payouts_by_amount`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::names::{name_key, same_recipient};
use super::{amount_agrees, ConfirmOutcome, Confirmation, LineKind, ReferenceSource};
use crate::audit::{timestamp, Origin};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, PayoutId};
use crate::money::Money;
use crate::payouts::{Payout, PayoutRow, PayoutStatus, SELECT_PAYOUT};
use crate::progress::Progress;
use crate::Ledger;

/// How far before a statement line a payout may have been created and still match it.
const WINDOW_DAYS: i64 = 45;
/// How long after a line its payout may have been recorded (the owner paid at the provider
/// first and wrote it down later that day).
const RECORDING_GRACE_HOURS: i64 = 12;
/// The most payouts a line suggests.
const MOST_CANDIDATES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum MatchState {
    /// One payout, by an exact reference.
    Matched,
    /// One or more likely payouts: the user decides.
    Suggested,
    Unmatched,
    /// Confirmed earlier.
    Confirmed,
    /// The provider has not completed it: shown with what it may match, never confirmed.
    Pending,
    /// Set aside by the owner with a note ("a supplier's payment, not a payout").
    Dismissed,
    /// The line could not be read (only in a review of a file not imported).
    Unreadable,
}

/// Which lines of a review to show.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct ReviewQuery {
    /// Only the lines in this state; all lines when `None`.
    #[serde(default)]
    pub state: Option<MatchState>,
    /// From 1.
    pub page: u32,
    pub page_size: u32,
}

impl Default for ReviewQuery {
    fn default() -> ReviewQuery {
        ReviewQuery {
            state: None,
            page: 1,
            page_size: 100,
        }
    }
}

impl ReviewQuery {
    /// Every line on one page.
    pub fn all() -> ReviewQuery {
        ReviewQuery {
            page_size: u32::MAX,
            ..ReviewQuery::default()
        }
    }
}

/// A statement line as the review shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    pub id: i64,
    pub import_id: i64,
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
    /// Why: "payout id PO-000012 on the statement line", "same amount, currency and recipient".
    pub evidence: String,
    /// The payment file a bank booked as this one line; its candidates are then the file's
    /// payouts, confirmed together.
    pub batch_reference: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewCounts {
    pub matched: usize,
    pub suggested: usize,
    pub unmatched: usize,
    pub confirmed: usize,
    pub pending: usize,
    pub dismissed: usize,
    pub unreadable: usize,
}

impl ReviewCounts {
    fn of(&mut self, state: MatchState) -> &mut usize {
        match state {
            MatchState::Matched => &mut self.matched,
            MatchState::Suggested => &mut self.suggested,
            MatchState::Unmatched => &mut self.unmatched,
            MatchState::Confirmed => &mut self.confirmed,
            MatchState::Pending => &mut self.pending,
            MatchState::Dismissed => &mut self.dismissed,
            MatchState::Unreadable => &mut self.unreadable,
        }
    }

    fn count(mut self, state: MatchState) -> usize {
        *self.of(state)
    }

    /// The lines read, in every state.
    pub fn lines(&self) -> usize {
        self.matched
            + self.suggested
            + self.unmatched
            + self.confirmed
            + self.pending
            + self.dismissed
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// `None` for the pool of open lines of every import.
    pub import_id: Option<i64>,
    pub file_name: String,
    /// The lines of the whole import in each state.
    pub counts: ReviewCounts,
    /// The lines the query selects, over all pages.
    pub total: usize,
    pub page: u32,
    pub page_size: u32,
    /// The query's page of lines, in file order (import by import in the pool).
    pub lines: Vec<ReviewLine>,
    /// The lines of the file that could not be read, with the reason (at most 200).
    pub unreadable: Vec<super::Unreadable>,
}

/// A statement line as matching reads it (stored, or read from a file by the headless review).
#[derive(sqlx::FromRow)]
pub(super) struct LineRow {
    pub(super) id: i64,
    pub(super) booked_on: String,
    /// The UTC instant, where the statement gives a time and zone.
    pub(super) booked_at: Option<String>,
    pub(super) amount_minor: i64,
    pub(super) currency: String,
    pub(super) counterparty: String,
    pub(super) payout_reference: Option<String>,
    pub(super) reference_source: ReferenceSource,
    pub(super) provider_reference: String,
    pub(super) kind: LineKind,
    pub(super) payout_id: Option<PayoutId>,
    pub(super) pending: bool,
    pub(super) fee_minor: i64,
    pub(super) reference_is_id: bool,
    pub(super) batch_reference: Option<String>,
}

/// What matching needs to know of a payout a line names.
#[derive(sqlx::FromRow)]
struct Named {
    id: PayoutId,
    customer_id: CustomerId,
    amount_minor: i64,
    currency: String,
    status: PayoutStatus,
    /// The account holder (bank) or handle (wallet) the payout went to.
    recipient: String,
    display_name: String,
    /// A line was confirmed as this payout's payment (or return) before.
    paid_by_line: bool,
    returned_by_line: bool,
}

impl Named {
    /// What disagrees between `line` and this payout, in words; empty when all agree. The
    /// recipient counts only when `recipient_needed`.
    fn disagreements(
        &self,
        line: &LineRow,
        recipient_needed: bool,
        remembered: Option<CustomerId>,
    ) -> Vec<String> {
        let mut why = Vec::new();
        if self.currency != line.currency {
            why.push(format!("the currency differs ({})", line.currency));
        } else if !amount_agrees(line.amount_minor, line.fee_minor, self.amount_minor) {
            why.push("the amount differs".to_owned());
        }
        let direction_agrees = match line.kind {
            LineKind::Payment => matches!(
                self.status,
                PayoutStatus::Pending | PayoutStatus::OnProcess | PayoutStatus::Success
            ),
            LineKind::Return => matches!(
                self.status,
                PayoutStatus::OnProcess | PayoutStatus::Success | PayoutStatus::Failed
            ),
            LineKind::Other => false,
        };
        let what = if line.kind == LineKind::Return {
            "return"
        } else {
            "payment"
        };
        if !direction_agrees {
            why.push(format!(
                "a {what} does not fit a payout that is {}",
                self.status.label()
            ));
        }
        let confirmed_before = match line.kind {
            LineKind::Payment => self.paid_by_line,
            LineKind::Return => self.returned_by_line,
            LineKind::Other => false,
        };
        if confirmed_before {
            why.push(format!(
                "another statement line was confirmed as its {what} already"
            ));
        }
        if recipient_needed
            && !same_recipient(&line.counterparty, &self.recipient)
            && !same_recipient(&line.counterparty, &self.display_name)
            && remembered != Some(self.customer_id)
        {
            why.push(if line.counterparty.trim().is_empty() {
                "the line names no recipient".to_owned()
            } else {
                format!("the recipient differs ({})", line.counterparty.trim())
            });
        }
        why
    }
}

impl LineRow {
    /// A line read from a file, as matching sees it, known by `id` until it is stored.
    pub(super) fn read(id: i64, l: &super::ParsedLine, payout_id: Option<PayoutId>) -> LineRow {
        LineRow {
            id,
            booked_on: l.booked_on.to_string(),
            booked_at: l.booked_at.map(timestamp),
            amount_minor: l.amount.minor(),
            currency: l.amount.currency().code().to_owned(),
            counterparty: l.counterparty.clone(),
            payout_reference: l.payout_reference.clone(),
            reference_source: l.reference_source,
            provider_reference: l.provider_reference.clone(),
            kind: l.kind,
            payout_id,
            pending: l.pending,
            fee_minor: l.fee_minor,
            reference_is_id: l.reference_is_id,
            batch_reference: l.batch_reference.clone(),
        }
    }
}

/// What matching decided for one line; the payouts are read in full only for the page shown.
pub(super) struct Decision {
    pub(super) state: MatchState,
    pub(super) candidates: Vec<PayoutId>,
    pub(super) evidence: String,
}

impl Decision {
    fn new(state: MatchState, candidates: Vec<PayoutId>, evidence: impl Into<String>) -> Decision {
        Decision {
            state,
            candidates,
            evidence: evidence.into(),
        }
    }
}

/// A payment file the app wrote that names itself, as a collective line is compared with it.
#[derive(sqlx::FromRow)]
pub(super) struct WrittenFile {
    batch_id: String,
    pub(super) currency: String,
    pub(super) total_minor: i64,
    file_name: String,
    /// A JSON array of its payouts' ids.
    payouts: String,
}

impl WrittenFile {
    pub(super) fn payouts(&self) -> Result<Vec<PayoutId>> {
        serde_json::from_str(&self.payouts).map_err(|_| damaged())
    }
}

/// A line that is a bank's one entry for a whole payment file: matched to all its payouts
/// when the amount, currency and direction agree with the file's total.
fn by_file(r: &LineRow, file: &WrittenFile) -> Result<Decision> {
    let payouts = file.payouts()?;
    let name = std::path::Path::new(&file.file_name)
        .file_name()
        .map_or(file.file_name.clone(), |n| n.to_string_lossy().into_owned());
    let said = format!(
        "one entry for the {} payouts of payment file {name} ({})",
        payouts.len(),
        file.batch_id
    );
    let mut why = Vec::new();
    if r.currency != file.currency {
        why.push(format!("the currency differs ({})", r.currency));
    } else if r.amount_minor.abs() != file.total_minor {
        why.push("the amount is not the file's total".to_owned());
    }
    if r.kind != LineKind::Payment {
        why.push("it is not money out".to_owned());
    }
    Ok(if why.is_empty() {
        Decision::new(MatchState::Matched, payouts, said)
    } else {
        Decision::new(
            MatchState::Suggested,
            payouts,
            format!("{said}, but {}", why.join(" and ")),
        )
    })
}

/// A payout found by a stored reference: its id, amount and currency.
type ByReference = (PayoutId, i64, String);

/// The payout number a line carries and the payout it names, if the book issued it.
fn named_in<'a, 'r>(
    r: &'r LineRow,
    named: &'a HashMap<PayoutId, Named>,
) -> Option<(&'r str, &'a Named)> {
    let number = r.payout_reference.as_deref()?;
    Some((number, named.get(&number_id(number)?)?))
}

/// A line that carries the number of `payout`: a number in the app's own field is proof with
/// the amount and direction; one found in free text also needs the recipient.
fn by_number(
    r: &LineRow,
    number: &str,
    payout: &Named,
    remembered: Option<CustomerId>,
) -> Decision {
    let (recipient_needed, said) = match r.reference_source {
        ReferenceSource::Field => (false, format!("payout id {number} on the statement line")),
        ReferenceSource::Text => (true, format!("payout number {number} in the line's text")),
    };
    let why = payout.disagreements(r, recipient_needed, remembered);
    if why.is_empty() {
        Decision::new(MatchState::Matched, vec![payout.id], said)
    } else {
        Decision::new(
            MatchState::Suggested,
            vec![payout.id],
            format!("{said}, but {}", why.join(" and ")),
        )
    }
}

/// A line whose provider reference a payout already carries.
fn by_stored_reference(r: &LineRow, (id, minor, currency): &ByReference) -> Decision {
    let why = format!("external reference {}", r.provider_reference);
    if *minor == r.amount_minor.abs() && *currency == r.currency {
        Decision::new(MatchState::Matched, vec![*id], why)
    } else {
        Decision::new(
            MatchState::Suggested,
            vec![*id],
            format!("{why}, but the amount differs"),
        )
    }
}

/// A stored day or instant that does not read is damage, not a user's mistake.
fn damaged() -> Error {
    Error::Storage("A statement line has a damaged date.".into())
}

/// The first instant of `day` anywhere on earth (UTC+14), and its last (UTC−12): a statement
/// date without a time or zone could be either.
fn day_bounds(day: &str) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| damaged())?;
    let midnight = day.and_time(NaiveTime::MIN).and_utc();
    Ok((
        midnight - Duration::hours(14),
        midnight + Duration::days(1) + Duration::hours(12),
    ))
}

/// The earliest a payout of a line booked on `day` may have been created.
fn window_from(day: &str) -> Result<String> {
    Ok(timestamp(day_bounds(day)?.0 - Duration::days(WINDOW_DAYS)))
}

/// The latest a payout of a line booked on `day` may have been created.
fn window_until(day: &str) -> Result<String> {
    Ok(timestamp(
        day_bounds(day)?.1 + Duration::hours(RECORDING_GRACE_HOURS),
    ))
}

/// The window of payout creation instants a line may match: from [`WINDOW_DAYS`] before it
/// to [`RECORDING_GRACE_HOURS`] after it, by the instant where the statement gives a time and
/// zone (an evening PST line is the next morning in UTC), else by the widest reading of its day.
fn line_window(r: &LineRow) -> Result<(String, String)> {
    match &r.booked_at {
        Some(at) => {
            let at = DateTime::parse_from_rfc3339(at)
                .map_err(|_| damaged())?
                .with_timezone(&Utc);
            Ok((
                timestamp(at - Duration::days(WINDOW_DAYS)),
                timestamp(at + Duration::hours(RECORDING_GRACE_HOURS)),
            ))
        }
        None => Ok((window_from(&r.booked_on)?, window_until(&r.booked_on)?)),
    }
}

/// What the window join needs of line `k`: currency, amount, the window, the recipient and the
/// customer a name was remembered for.
fn window_line(k: usize, r: &LineRow, remembered: Option<CustomerId>) -> Result<serde_json::Value> {
    let (from, until) = line_window(r)?;
    Ok(json!([
        k,
        r.currency,
        r.amount_minor.abs(),
        from,
        until,
        r.counterparty.trim().to_lowercase(),
        r.kind == LineKind::Return,
        remembered,
    ]))
}

/// A line matched by amount, currency and recipient within the window: never more than a
/// suggestion.
fn by_window(found: Vec<PayoutId>, r: &LineRow) -> Decision {
    match found.len() {
        0 => Decision::new(
            MatchState::Unmatched,
            found,
            "no payout with this amount, currency and recipient",
        ),
        1 => Decision::new(
            MatchState::Suggested,
            found,
            format!("same amount, currency and recipient ({})", r.counterparty),
        ),
        n => Decision::new(
            MatchState::Suggested,
            found,
            format!("{n} payouts have the same amount, currency and recipient: choose one"),
        ),
    }
}

/// The id in a stored payout number ("PO-000012").
fn number_id(number: &str) -> Option<PayoutId> {
    number.parse().ok()
}

/// The states of a line the review still asks about.
const OPEN_STATES: &str = "('matched', 'suggested', 'unmatched', 'pending')";

/// A line of a review page as stored, with its decision.
#[derive(sqlx::FromRow)]
struct PageRow {
    id: i64,
    import_id: i64,
    line_no: i64,
    booked_on: String,
    amount_minor: i64,
    currency: String,
    counterparty: String,
    provider_reference: String,
    payout_reference: Option<String>,
    kind: LineKind,
    description: String,
    payout_id: Option<PayoutId>,
    match_state: MatchState,
    match_evidence: String,
    dismissed_note: Option<String>,
    batch_reference: Option<String>,
}

/// What a review shows of its import.
#[derive(sqlx::FromRow)]
struct ImportRow {
    file_name: String,
    format: String,
    first_booked_on: Option<String>,
    last_booked_on: Option<String>,
    /// A JSON array of currency codes.
    currencies: String,
    /// The lines in each state, as [`count_states`] last stored them.
    counts: String,
}

/// Stores the count of an import's lines in each state, after a change of states: a review
/// page reads it instead of counting a large import for every page.
pub(super) async fn count_states(conn: &mut sqlx::SqliteConnection, import_id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE statement_imports SET counts = (
             SELECT json_object(
                 'matched', COUNT(*) FILTER (WHERE match_state = 'matched'),
                 'suggested', COUNT(*) FILTER (WHERE match_state = 'suggested'),
                 'unmatched', COUNT(*) FILTER (WHERE match_state = 'unmatched'),
                 'confirmed', COUNT(*) FILTER (WHERE match_state = 'confirmed'),
                 'pending', COUNT(*) FILTER (WHERE match_state = 'pending'),
                 'dismissed', COUNT(*) FILTER (WHERE match_state = 'dismissed'),
                 'unreadable', 0)
               FROM statement_lines WHERE import_id = ?1)
          WHERE id = ?1",
    )
    .bind(import_id)
    .execute(conn)
    .await?;
    Ok(())
}

impl Ledger {
    /// A page of an import's lines beside the payouts they match; see the module description.
    pub async fn statement_review(&self, import_id: i64, query: &ReviewQuery) -> Result<Review> {
        self.review(Some(import_id), query).await
    }

    /// A page of the open lines of every import (neither confirmed nor dismissed): one pool
    /// of what is left to reconcile, however many statements it came in.
    pub async fn open_lines_review(&self, query: &ReviewQuery) -> Result<Review> {
        self.review(None, query).await
    }

    async fn review(&self, import_id: Option<i64>, query: &ReviewQuery) -> Result<Review> {
        if let Some(id) = import_id {
            // Refuse an import that does not exist before any work.
            self.import_row(id).await?;
        }
        self.bring_decisions_up_to_date(import_id).await?;
        let import = match import_id {
            Some(id) => Some(self.import_row(id).await?),
            None => None,
        };

        // The scope's lines: one import's (all decided now), or the open lines of all.
        let scope = match import_id {
            Some(_) => "l.import_id = ?1".to_owned(),
            // Fees and transfers ask nothing of the owner.
            None => format!("l.match_state IN {OPEN_STATES} AND l.kind <> 'other'"),
        };
        let counts = match &import {
            Some(import) => serde_json::from_str(&import.counts).map_err(|_| damaged())?,
            None => {
                let mut counts = ReviewCounts::default();
                let by_state: Vec<(MatchState, i64)> = sqlx::query_as(&format!(
                    "SELECT l.match_state, COUNT(*) FROM statement_lines l
                      WHERE {scope} GROUP BY l.match_state"
                ))
                .bind(import_id)
                .fetch_all(&self.reader)
                .await?;
                for (state, n) in by_state {
                    *counts.of(state) = n as usize;
                }
                counts
            }
        };
        let total = match query.state {
            Some(state) => counts.count(state),
            None => counts.lines(),
        };
        let page_size = query.page_size.max(1);
        // The page's lines are found in an index alone, then read: an OFFSET deep into a large
        // import steps over index entries, not rows.
        let state = if query.state.is_some() {
            "AND l.match_state = ?2"
        } else {
            "AND ?2 IS NULL"
        };
        let rows: Vec<PageRow> = sqlx::query_as(&format!(
            "SELECT l.id, l.import_id, l.line_no, l.booked_on, l.amount_minor, l.currency,
                    l.counterparty, l.provider_reference, l.payout_reference, l.kind,
                    l.description, l.payout_id, l.match_state, l.match_evidence, l.dismissed_note,
                    l.batch_reference
               FROM statement_lines l
              WHERE l.id IN (SELECT l.id FROM statement_lines l WHERE {scope} {state}
                              ORDER BY l.import_id, l.line_no LIMIT ?3 OFFSET ?4)
              ORDER BY l.import_id, l.line_no"
        ))
        .bind(import_id)
        .bind(query.state)
        .bind(i64::from(page_size))
        .bind((i64::from(query.page.max(1)) - 1) * i64::from(page_size))
        .fetch_all(&self.reader)
        .await?;

        // Each shown line's payouts: the one it is confirmed against, or its candidates.
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut candidates: HashMap<i64, Vec<PayoutId>> = HashMap::new();
        for (line, payout) in sqlx::query_as::<_, (i64, PayoutId)>(
            "SELECT line_id, payout_id FROM statement_candidates
              WHERE line_id IN (SELECT value FROM json_each(?)) ORDER BY line_id, rank",
        )
        .bind(json!(ids).to_string())
        .fetch_all(&self.reader)
        .await?
        {
            candidates.entry(line).or_default().push(payout);
        }
        for row in &rows {
            if let Some(id) = row.payout_id {
                candidates.insert(row.id, vec![id]);
            }
        }
        let wanted: Vec<PayoutId> = candidates.values().flatten().copied().collect();
        let payouts = self.payouts_by_ids(&wanted).await?;
        let lines = rows
            .into_iter()
            .map(|row| {
                Ok(ReviewLine {
                    id: row.id,
                    import_id: row.import_id,
                    line_no: row.line_no,
                    amount: Money::stored(row.amount_minor, &row.currency)?,
                    booked_on: row.booked_on,
                    counterparty: row.counterparty,
                    provider_reference: row.provider_reference,
                    payout_reference: row.payout_reference,
                    kind: row.kind,
                    description: row.description,
                    state: row.match_state,
                    candidates: candidates
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .filter_map(|id| payouts.get(id).cloned())
                        .collect(),
                    evidence: match row.dismissed_note {
                        Some(note) => format!("dismissed: {note}"),
                        None => row.match_evidence,
                    },
                    batch_reference: row.batch_reference,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let (file_name, unreadable) = match (import_id, import) {
            (Some(id), Some(import)) => (
                import.file_name,
                sqlx::query_as::<_, super::Unreadable>(
                    "SELECT line_no, reason FROM statement_unreadable WHERE import_id = ?
                      ORDER BY line_no LIMIT 200",
                )
                .bind(id)
                .fetch_all(&self.reader)
                .await?,
            ),
            _ => ("Open lines of every statement".to_owned(), Vec::new()),
        };
        Ok(Review {
            import_id,
            file_name,
            counts: ReviewCounts {
                unreadable: unreadable.len(),
                ..counts
            },
            unreadable,
            total,
            page: query.page.max(1),
            page_size,
            lines,
        })
    }

    /// Payouts On Process that this statement could carry, that no line of any import matches,
    /// suggests or was confirmed against: its channel (a PayPal statement pays PayPal and Venmo
    /// wallets, a bank's pays bank accounts), its currencies, and its period (sent at most the
    /// matching window before its first line, and before its last). At most 200 per currency.
    pub async fn payouts_without_line(&self, import_id: i64) -> Result<Vec<Payout>> {
        self.bring_decisions_up_to_date(Some(import_id)).await?;
        let import = self.import_row(import_id).await?;
        let (Some(first), Some(last)) = (&import.first_booked_on, &import.last_booked_on) else {
            return Ok(Vec::new());
        };
        let channel = if import.format == "paypal_csv" {
            "p.method = 'digital' AND p.account_snapshot ->> '$.provider' IN ('paypal', 'venmo')"
        } else {
            "p.method = 'bank'"
        };
        let (from, until) = (window_from(first)?, window_until(last)?);
        let currencies: Vec<String> =
            serde_json::from_str(&import.currencies).map_err(|_| damaged())?;
        let mut found = Vec::new();
        for currency in &currencies {
            let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
                "{SELECT_PAYOUT} WHERE p.status = 'on_process' AND p.currency = ?
                    AND p.created_at >= ? AND p.created_at <= ? AND {channel}
                    AND NOT EXISTS (SELECT 1 FROM statement_candidates s WHERE s.payout_id = p.id)
                    AND NOT EXISTS (SELECT 1 FROM statement_lines s WHERE s.payout_id = p.id)
                  ORDER BY p.id LIMIT 200"
            ))
            .bind(currency)
            .bind(&from)
            .bind(&until)
            .fetch_all(&self.reader)
            .await?;
            for row in rows {
                found.push(Payout::try_from(row)?);
            }
        }
        Ok(found)
    }

    async fn import_row(&self, id: i64) -> Result<ImportRow> {
        sqlx::query_as(
            "SELECT file_name, format, first_booked_on, last_booked_on, currencies, counts
               FROM statement_imports WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no statement import {id}.")))
    }

    /// Decides again the open lines of every import (or of `import_id`) decided before the
    /// payouts or remembered names last changed.
    async fn bring_decisions_up_to_date(&self, import_id: Option<i64>) -> Result<()> {
        let generation = self.matching_generation().await?;
        let stale: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM statement_imports
              WHERE decided_generation < ? AND (?2 IS NULL OR id = ?2) ORDER BY id",
        )
        .bind(generation)
        .bind(import_id)
        .fetch_all(&self.reader)
        .await?;
        for id in stale {
            self.decide(id, generation).await?;
        }
        Ok(())
    }

    /// How many commits have changed payouts or customers: decisions made at an older
    /// generation are made again.
    pub(super) async fn matching_generation(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT value FROM matching_generation")
            .fetch_one(&self.reader)
            .await?)
    }

    /// Matches the open lines of an import and stores the decisions, as of `generation`:
    /// derived data, written without an audit event (like the search index).
    pub(super) async fn decide(&self, import_id: i64, generation: i64) -> Result<()> {
        let rows: Vec<LineRow> = self
            .import_lines(import_id)
            .await?
            .into_iter()
            .filter(|r| r.payout_id.is_none())
            .collect();
        let decisions = self.match_lines(&rows).await?;
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "DELETE FROM statement_candidates WHERE line_id IN
                 (SELECT id FROM statement_lines WHERE import_id = ? AND payout_id IS NULL)",
        )
        .bind(import_id)
        .execute(&mut *tx)
        .await?;
        // A line confirmed or dismissed since it was read keeps what that gave it.
        for chunk in rows
            .iter()
            .zip(&decisions)
            .collect::<Vec<_>>()
            .chunks(5_000)
        {
            let states: Vec<_> = chunk
                .iter()
                .map(|(r, d)| json!([r.id, d.state, d.evidence]))
                .collect();
            sqlx::query(
                "UPDATE statement_lines SET match_state = d.value ->> 1, match_evidence = d.value ->> 2
                   FROM json_each(?) d
                  WHERE statement_lines.id = d.value ->> 0
                    AND statement_lines.payout_id IS NULL AND statement_lines.dismissed_at IS NULL",
            )
            .bind(serde_json::Value::Array(states).to_string())
            .execute(&mut *tx)
            .await?;
            let candidates: Vec<_> = chunk
                .iter()
                .flat_map(|(r, d)| {
                    d.candidates
                        .iter()
                        .enumerate()
                        .map(|(rank, id)| json!([r.id, rank, id]))
                })
                .collect();
            sqlx::query(
                "INSERT INTO statement_candidates (line_id, rank, payout_id)
                 SELECT c.value ->> 0, c.value ->> 1, c.value ->> 2 FROM json_each(?) c
                   JOIN statement_lines l ON l.id = c.value ->> 0
                  WHERE l.payout_id IS NULL AND l.dismissed_at IS NULL",
            )
            .bind(serde_json::Value::Array(candidates).to_string())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE statement_imports SET decided_generation = ? WHERE id = ?")
            .bind(generation)
            .bind(import_id)
            .execute(&mut *tx)
            .await?;
        count_states(&mut tx, import_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Confirms every line of the import that matches one payout by an exact reference, in one
    /// batch; `progress` hears every 1,000 lines and may cancel (then nothing changes).
    pub async fn confirm_matched_lines(
        &self,
        origin: &Origin,
        import_id: i64,
        progress: Progress<'_>,
    ) -> Result<ConfirmOutcome> {
        self.bring_decisions_up_to_date(Some(import_id)).await?;
        let confirmations: Vec<Confirmation> = sqlx::query_as(
            "SELECT l.id AS line_id, c.payout_id FROM statement_lines l
               JOIN statement_candidates c ON c.line_id = l.id AND c.rank = 0
              WHERE l.import_id = ? AND l.match_state = 'matched' ORDER BY l.line_no",
        )
        .bind(import_id)
        .fetch_all(&self.reader)
        .await?;
        if confirmations.is_empty() {
            return Err(Error::validation(
                "confirmations",
                "No line of this statement matches a payout exactly.",
            ));
        }
        self.confirm_lines(origin, Some(import_id), &confirmations, progress)
            .await
    }

    async fn import_lines(&self, import_id: i64) -> Result<Vec<LineRow>> {
        Ok(sqlx::query_as(
            "SELECT id, booked_on, booked_at, amount_minor, currency, counterparty,
                    payout_reference, reference_source, provider_reference, kind, payout_id,
                    pending, fee_minor, reference_is_id, batch_reference
               FROM statement_lines
              WHERE import_id = ? AND dismissed_at IS NULL ORDER BY line_no",
        )
        .bind(import_id)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Decides every line: confirmed; matched by an exact reference (the payout id the
    /// provider carried back, else a stored external reference) with the same amount; else
    /// suggested by the reference (amount differs) or by amount + currency + recipient within
    /// [`WINDOW_DAYS`] (a payment among Pending and On Process payouts, a return among On
    /// Process and Success ones, the likeliest first); never by the amount alone.
    pub(super) async fn match_lines(&self, rows: &[LineRow]) -> Result<Vec<Decision>> {
        let open = |r: &&LineRow| r.payout_id.is_none() && r.kind != LineKind::Other;
        // The customers the owner confirmed lines' names for before.
        let remembered = self
            .remembered_customers(rows.iter().filter(open).map(|r| r.counterparty.as_str()))
            .await?;
        let named = self
            .named_payouts(
                rows.iter()
                    .filter(open)
                    .filter_map(|r| r.payout_reference.as_deref().and_then(number_id)),
            )
            .await?;
        // The payment files collective lines name, for the lines no payout number settles.
        let files = self
            .written_files(
                rows.iter()
                    .filter(open)
                    .filter(|r| named_in(r, &named).is_none())
                    .filter_map(|r| r.batch_reference.as_deref()),
            )
            .await?;
        // Stored references, for the lines no payout number settles.
        let by_reference = self
            .payouts_by_reference(
                rows.iter()
                    .filter(open)
                    .filter(|r| r.reference_is_id && named_in(r, &named).is_none())
                    .map(|r| r.provider_reference.as_str()),
            )
            .await?;

        // What can be decided without the window; the rest go into it.
        let mut decisions: Vec<Option<Decision>> = Vec::with_capacity(rows.len());
        let mut window = Vec::new();
        for (k, r) in rows.iter().enumerate() {
            let remembered = remembered.get(&name_key(&r.counterparty)).copied();
            let decision = if let Some(id) = r.payout_id {
                Some(Decision::new(MatchState::Confirmed, vec![id], "confirmed"))
            } else if r.kind == LineKind::Other {
                Some(Decision::new(
                    MatchState::Unmatched,
                    Vec::new(),
                    "not a payment or a return",
                ))
            } else if let Some((number, payout)) = named_in(r, &named) {
                Some(by_number(r, number, payout, remembered))
            } else if let Some(file) = r.batch_reference.as_deref().and_then(|b| files.get(b)) {
                Some(by_file(r, file)?)
            } else if let Some(payout) = by_reference
                .get(&r.provider_reference)
                .filter(|_| r.reference_is_id)
            {
                Some(by_stored_reference(r, payout))
            } else if r.counterparty.trim().is_empty() {
                Some(Decision::new(
                    MatchState::Unmatched,
                    Vec::new(),
                    "no recipient on the line to match by",
                ))
            } else {
                window.push(window_line(k, r, remembered)?);
                None
            };
            decisions.push(decision);
        }
        let mut candidates = self.window_candidates(window).await?;
        Ok(decisions
            .into_iter()
            .zip(rows)
            .enumerate()
            .map(|(k, (decision, row))| {
                let decision = decision
                    .unwrap_or_else(|| by_window(candidates.remove(&k).unwrap_or_default(), row));
                // What the provider has not completed is shown, never confirmed.
                if row.pending && decision.state != MatchState::Confirmed {
                    Decision {
                        state: MatchState::Pending,
                        evidence: format!("pending at the provider; {}", decision.evidence),
                        ..decision
                    }
                } else {
                    decision
                }
            })
            .collect())
    }

    /// The payouts of `ids`, with what matching compares, in one query.
    async fn named_payouts(
        &self,
        ids: impl Iterator<Item = PayoutId>,
    ) -> Result<HashMap<PayoutId, Named>> {
        let ids: Vec<PayoutId> = ids.collect();
        Ok(sqlx::query_as::<_, Named>(
            "SELECT p.id, p.customer_id, p.amount_minor, p.currency, p.status, c.display_name,
                    EXISTS (SELECT 1 FROM statement_lines s WHERE s.payout_id = p.id
                               AND s.kind = 'payment') AS paid_by_line,
                    EXISTS (SELECT 1 FROM statement_lines s WHERE s.payout_id = p.id
                               AND s.kind = 'return') AS returned_by_line,
                    coalesce(p.account_snapshot ->> '$.holder_name',
                             p.account_snapshot ->> '$.handle', '') AS recipient
               FROM payouts p JOIN customers c ON c.id = p.customer_id
              WHERE p.id IN (SELECT value FROM json_each(?))",
        )
        .bind(json!(ids).to_string())
        .fetch_all(&self.reader)
        .await?
        .into_iter()
        .map(|named| (named.id, named))
        .collect())
    }

    /// The payment files of `batch_ids` the app wrote, by id, with their payouts.
    pub(super) async fn written_files<'a>(
        &self,
        batch_ids: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, WrittenFile>> {
        let ids: Vec<&str> = batch_ids.collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(sqlx::query_as::<_, WrittenFile>(
            "SELECT b.batch_id, b.currency, b.total_minor, b.file_name,
                    json_group_array(p.payout_id) AS payouts
               FROM payment_batches b JOIN payment_batch_payouts p ON p.batch_id = b.batch_id
              WHERE b.batch_id IN (SELECT value FROM json_each(?))
              GROUP BY b.batch_id",
        )
        .bind(json!(ids).to_string())
        .fetch_all(&self.reader)
        .await?
        .into_iter()
        .map(|f| (f.batch_id.clone(), f))
        .collect())
    }

    /// The oldest payout carrying each of `references` as its external reference.
    async fn payouts_by_reference<'a>(
        &self,
        references: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, ByReference>> {
        let references: Vec<&str> = references.collect();
        let found: Vec<(String, PayoutId, i64, String)> = sqlx::query_as(
            "SELECT external_reference, id, amount_minor, currency FROM payouts
              WHERE external_reference IN (SELECT value FROM json_each(?)) ORDER BY id DESC",
        )
        .bind(json!(references).to_string())
        .fetch_all(&self.reader)
        .await?;
        // Rows come newest first, so the oldest payout with a reference is the one kept.
        Ok(found
            .into_iter()
            .map(|(reference, id, minor, currency)| (reference, (id, minor, currency)))
            .collect())
    }

    /// The candidates of each window line (by its index), by amount, currency and recipient
    /// within the window, likeliest first, in one join along `payouts_by_amount`.
    async fn window_candidates(
        &self,
        window: Vec<serde_json::Value>,
    ) -> Result<HashMap<usize, Vec<PayoutId>>> {
        let mut candidates: HashMap<usize, Vec<PayoutId>> = HashMap::new();
        if window.is_empty() {
            return Ok(candidates);
        }
        let found: Vec<(i64, PayoutId)> = sqlx::query_as(
            "WITH line (k, currency, amount, from_at, until_at, recipient, is_return, customer) AS (
                 SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4,
                        value ->> 5, value ->> 6, value ->> 7
                   FROM json_each(?))
             SELECT line.k, p.id FROM line JOIN payouts p
                 ON p.currency = line.currency AND p.amount_minor = line.amount
                AND p.created_at >= line.from_at AND p.created_at <= line.until_at
              WHERE p.status IN ('pending', 'on_process', 'success')
                AND (p.status = 'on_process' OR (p.status = 'success') = (line.is_return = 1))
                -- A payout another line was confirmed against, in this import or another, is
                -- not offered again for the same kind of line.
                AND NOT EXISTS (SELECT 1 FROM statement_lines s WHERE s.payout_id = p.id
                                   AND s.kind = iif(line.is_return, 'return', 'payment'))
                AND (lower(p.account_snapshot ->> '$.handle') = line.recipient
                     OR lower(p.account_snapshot ->> '$.holder_name') = line.recipient
                     -- A name the owner confirmed for this customer before.
                     OR p.customer_id = line.customer)
              ORDER BY line.k,
                    -- A payment most likely pays a payout that was sent (On Process), a
                    -- return most likely returns one marked paid (Success).
                    p.status = iif(line.is_return, 'success', 'on_process') DESC,
                    p.created_at DESC, p.id DESC",
        )
        .bind(serde_json::Value::Array(window).to_string())
        .fetch_all(&self.reader)
        .await?;
        for (k, id) in found {
            let list = candidates.entry(k as usize).or_default();
            if list.len() < MOST_CANDIDATES {
                list.push(id);
            }
        }
        Ok(candidates)
    }
}
