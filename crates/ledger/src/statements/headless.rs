//! A statement file laid beside the book without importing it: what the review would show
//! for each line, for scripts and support (`incentise review`). Reads only.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;

use super::matching::{LineRow, MatchState};
use super::{DateOrder, LineKind, StatementFormat};
use crate::error::Result;
use crate::ids::PayoutId;
use crate::Ledger;

/// One line of a statement file and what the book makes of it.
#[derive(Debug, Clone, Serialize)]
pub struct LineVerdict {
    /// The line (or camt entry) number in the file.
    pub line: i64,
    pub booked_on: String,
    /// Signed decimal text in the currency's minor unit: money out is negative.
    pub amount: String,
    pub currency: String,
    pub kind: LineKind,
    pub state: MatchState,
    /// The payout it matches, is confirmed against, or is suggested for first.
    pub payout: Option<String>,
    pub why: String,
}

impl Ledger {
    /// Each line of the statement in `bytes` with the state the review would give it; lines the
    /// book already holds keep their confirmation. Writes nothing.
    pub async fn review_statement_file(
        &self,
        bytes: &[u8],
        format: &StatementFormat,
        dates: Option<DateOrder>,
    ) -> Result<Vec<LineVerdict>> {
        let super::Statement {
            lines: parsed,
            unreadable,
        } = format.parse(bytes, dates)?;
        let fingerprints: Vec<&str> = parsed.iter().map(|l| l.fingerprint.as_str()).collect();
        let known: HashMap<String, Option<PayoutId>> = sqlx::query_as(
            "SELECT fingerprint, payout_id FROM statement_lines
              WHERE fingerprint IN (SELECT value FROM json_each(?))",
        )
        .bind(json!(fingerprints).to_string())
        .fetch_all(&self.reader)
        .await?
        .into_iter()
        .collect();
        let rows: Vec<LineRow> = parsed
            .iter()
            .enumerate()
            .map(|(i, l)| LineRow::read(i as i64, l, known.get(&l.fingerprint).copied().flatten()))
            .collect();
        let decisions = self.match_lines(&rows).await?;
        let mut verdicts: Vec<LineVerdict> = parsed
            .iter()
            .zip(decisions)
            .map(|(l, d)| LineVerdict {
                line: l.line_no,
                booked_on: l.booked_on.to_string(),
                amount: l.amount.amount_text(),
                currency: l.amount.currency().code().to_owned(),
                kind: l.kind,
                state: d.state,
                payout: d.candidates.first().map(PayoutId::to_string),
                why: d.evidence,
            })
            .collect();
        verdicts.extend(unreadable.into_iter().map(|u| LineVerdict {
            line: u.line_no,
            booked_on: String::new(),
            amount: String::new(),
            currency: String::new(),
            kind: LineKind::Other,
            state: MatchState::Unreadable,
            payout: None,
            why: u.reason,
        }));
        verdicts.sort_by_key(|v| v.line);
        Ok(verdicts)
    }
}
