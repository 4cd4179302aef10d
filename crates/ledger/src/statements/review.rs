//! The review of an import: each statement line beside the payout it matches, or the payouts
//! it may match with the evidence, a page at a time.
//!
//! Matching is set-based, so a statement of 100,000 lines costs a handful of queries, not
//! several per line: the payouts the lines name (by payout id) and the stored references they
//! carry are looked up in one query each, and the remaining lines are matched by amount,
//! currency, recipient and date window in one join along `payouts_by_amount`.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::names::{name_key, same_recipient};
use super::{amount_agrees, ConfirmOutcome, Confirmation, LineKind, ReferenceSource};
use crate::audit::Origin;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, PayoutId};
use crate::money::Money;
use crate::payouts::{Payout, PayoutRow, PayoutStatus, SELECT_PAYOUT};
use crate::progress::Progress;
use crate::Ledger;

/// How far before a statement line a payout may have been created and still match it.
const WINDOW_DAYS: i64 = 45;
/// The most payouts a line suggests.
const MOST_CANDIDATES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReviewCounts {
    pub matched: usize,
    pub suggested: usize,
    pub unmatched: usize,
    pub confirmed: usize,
    pub pending: usize,
    pub unreadable: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub import_id: i64,
    pub file_name: String,
    /// The lines of the whole import in each state.
    pub counts: ReviewCounts,
    /// The lines the query selects, over all pages.
    pub total: usize,
    pub page: u32,
    pub page_size: u32,
    /// The query's page of lines, in file order.
    pub lines: Vec<ReviewLine>,
    /// The lines of the file that could not be read, with the reason (at most 200).
    pub unreadable: Vec<super::Unreadable>,
    /// Payouts On Process, in the statement's currencies, created before its last line, that
    /// no line matches or suggests (at most 200 per currency).
    pub payouts_without_line: Vec<Payout>,
}

/// A statement line as matching reads it (stored, or read from a file by the headless review).
#[derive(sqlx::FromRow)]
pub(super) struct LineRow {
    pub(super) id: i64,
    pub(super) line_no: i64,
    pub(super) booked_on: String,
    pub(super) amount_minor: i64,
    pub(super) currency: String,
    pub(super) counterparty: String,
    pub(super) payout_reference: Option<String>,
    pub(super) reference_source: ReferenceSource,
    pub(super) provider_reference: String,
    pub(super) kind: LineKind,
    pub(super) description: String,
    pub(super) payout_id: Option<PayoutId>,
    pub(super) pending: bool,
    pub(super) fee_minor: i64,
    pub(super) reference_is_id: bool,
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
        if !direction_agrees {
            why.push(format!(
                "a {} does not fit a payout that is {}",
                if line.kind == LineKind::Return {
                    "return"
                } else {
                    "payment"
                },
                self.status.label()
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

/// What the window join needs of line `k`: currency, amount, the window, the recipient and the
/// customer a name was remembered for.
fn window_line(k: usize, r: &LineRow, remembered: Option<CustomerId>) -> Result<serde_json::Value> {
    let day = NaiveDate::parse_from_str(&r.booked_on, "%Y-%m-%d")
        .map_err(|_| Error::Storage("A statement line has a damaged date.".into()))?;
    Ok(json!([
        k,
        r.currency,
        r.amount_minor.abs(),
        (day - Duration::days(WINDOW_DAYS)).to_string(),
        format!("{day}T23:59:59.999999Z"),
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

impl Ledger {
    /// A page of an import's lines beside the payouts they match; see the module description.
    pub async fn statement_review(&self, import_id: i64, query: &ReviewQuery) -> Result<Review> {
        let (file_name, format): (String, String) =
            sqlx::query_as("SELECT file_name, format FROM statement_imports WHERE id = ?")
                .bind(import_id)
                .fetch_optional(&self.reader)
                .await?
                .ok_or_else(|| {
                    Error::NotFound(format!("There is no statement import {import_id}."))
                })?;
        let rows = self.import_lines(import_id).await?;
        let decisions = self.match_lines(&rows).await?;

        let mut counts = ReviewCounts::default();
        for d in &decisions {
            *match d.state {
                MatchState::Matched => &mut counts.matched,
                MatchState::Suggested => &mut counts.suggested,
                MatchState::Unmatched => &mut counts.unmatched,
                MatchState::Confirmed => &mut counts.confirmed,
                MatchState::Pending => &mut counts.pending,
                MatchState::Unreadable => &mut counts.unreadable,
            } += 1;
        }
        let selected: Vec<usize> = (0..rows.len())
            .filter(|&i| query.state.is_none_or(|s| decisions[i].state == s))
            .collect();
        let page_size = query.page_size.max(1);
        let skip = (query.page.max(1) as usize - 1).saturating_mul(page_size as usize);
        let shown: Vec<usize> = selected
            .iter()
            .copied()
            .skip(skip)
            .take(page_size as usize)
            .collect();

        let wanted: Vec<PayoutId> = shown
            .iter()
            .flat_map(|&i| decisions[i].candidates.iter().copied())
            .collect();
        let mut payouts = self.payouts_by_ids(&wanted).await?;
        let mut lines = Vec::with_capacity(shown.len());
        for i in shown {
            let (row, decision) = (&rows[i], &decisions[i]);
            lines.push(ReviewLine {
                id: row.id,
                line_no: row.line_no,
                booked_on: row.booked_on.clone(),
                amount: Money::stored(row.amount_minor, &row.currency)?,
                counterparty: row.counterparty.clone(),
                provider_reference: row.provider_reference.clone(),
                payout_reference: row.payout_reference.clone(),
                kind: row.kind,
                description: row.description.clone(),
                state: decision.state,
                candidates: decision
                    .candidates
                    .iter()
                    .filter_map(|id| payouts.get(id).cloned())
                    .collect(),
                evidence: decision.evidence.clone(),
            });
        }
        payouts.clear();

        let seen: HashSet<PayoutId> = decisions
            .iter()
            .flat_map(|d| d.candidates.iter().copied())
            .collect();
        let currencies: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.currency.as_str()).collect();
        let days = rows.iter().map(|r| r.booked_on.as_str());
        let (first_day, last_day) = (days.clone().min().unwrap_or(""), days.max().unwrap_or(""));
        // Only payouts this statement could carry: its channel (a PayPal statement pays
        // PayPal and Venmo wallets, a bank's pays bank accounts) and its period (sent at most
        // the matching window before its first line).
        let channel = if format == "paypal_csv" {
            "p.method = 'digital' AND p.account_snapshot ->> '$.provider' IN ('paypal', 'venmo')"
        } else {
            "p.method = 'bank'"
        };
        let from = NaiveDate::parse_from_str(first_day, "%Y-%m-%d")
            .map(|d| (d - Duration::days(WINDOW_DAYS)).to_string())
            .unwrap_or_default();
        let mut payouts_without_line = Vec::new();
        for currency in currencies {
            let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
                "{SELECT_PAYOUT} WHERE p.status = 'on_process' AND p.currency = ?
                    AND p.created_at >= ? AND p.created_at < ? AND {channel}
                  ORDER BY p.id LIMIT 200"
            ))
            .bind(currency)
            .bind(&from)
            .bind(format!("{last_day}T23:59:59.999999Z"))
            .fetch_all(&self.reader)
            .await?;
            for row in rows.into_iter().filter(|r| !seen.contains(&r.id)) {
                payouts_without_line.push(Payout::try_from(row)?);
            }
        }
        let unreadable: Vec<super::Unreadable> = sqlx::query_as(
            "SELECT line_no, reason FROM statement_unreadable WHERE import_id = ?
              ORDER BY line_no LIMIT 200",
        )
        .bind(import_id)
        .fetch_all(&self.reader)
        .await?;
        counts.unreadable = unreadable.len();
        Ok(Review {
            import_id,
            file_name,
            counts,
            unreadable,
            total: selected.len(),
            page: query.page.max(1),
            page_size,
            lines,
            payouts_without_line,
        })
    }

    /// Confirms every line of the import that matches one payout by an exact reference, in one
    /// batch; `progress` hears every 1,000 lines and may cancel (then nothing changes).
    pub async fn confirm_matched_lines(
        &self,
        origin: &Origin,
        import_id: i64,
        progress: Progress<'_>,
    ) -> Result<ConfirmOutcome> {
        let rows = self.import_lines(import_id).await?;
        let decisions = self.match_lines(&rows).await?;
        let confirmations: Vec<Confirmation> = rows
            .iter()
            .zip(&decisions)
            .filter(|(_, d)| d.state == MatchState::Matched)
            .map(|(row, d)| Confirmation {
                line_id: row.id,
                payout_id: d.candidates[0],
            })
            .collect();
        if confirmations.is_empty() {
            return Err(Error::validation(
                "confirmations",
                "No line of this statement matches a payout exactly.",
            ));
        }
        self.confirm_lines(origin, import_id, &confirmations, progress)
            .await
    }

    async fn import_lines(&self, import_id: i64) -> Result<Vec<LineRow>> {
        Ok(sqlx::query_as(
            "SELECT id, line_no, booked_on, amount_minor, currency, counterparty, payout_reference,
                    reference_source, provider_reference, kind, description, payout_id, pending,
                    fee_minor, reference_is_id
               FROM statement_lines WHERE import_id = ? ORDER BY line_no",
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
