//! The review of an import (or of the open lines of every import): each statement line beside
//! the payout it matches, or the payouts it may match with the evidence, a page at a time.
//!
//! What matching decided (see `matching`) is stored with the lines at import and made again,
//! once, when a commit has changed payouts or customers since (`matching_generation`); a page
//! is read from the stored decisions and counts, so it costs the same on page 1 and page 2,000
//! of a 100,000-line statement.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::matching::{damaged, window_from, window_until, LineRow, MatchState};
use super::{ConfirmOutcome, Confirmation, LineKind};
use crate::audit::Origin;
use crate::error::{Error, Result};
use crate::ids::PayoutId;
use crate::money::Money;
use crate::payouts::{Payout, PayoutRow, SELECT_PAYOUT};
use crate::progress::Progress;
use crate::Ledger;

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
        // An import that does not exist has nothing to decide; reading it below refuses it.
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
        // One JSON array of (line, payout) pairs (see `currents`).
        let confirmations: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(line_id, payout_id)) FROM (
                 SELECT l.id AS line_id, c.payout_id FROM statement_lines l
                   JOIN statement_candidates c ON c.line_id = l.id AND c.rank = 0
                  WHERE l.import_id = ? AND l.match_state = 'matched' ORDER BY l.line_no)",
        )
        .bind(import_id)
        .fetch_one(&self.reader)
        .await?;
        let confirmations: Vec<Confirmation> =
            serde_json::from_str(&confirmations).map_err(|_| damaged())?;
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
}
