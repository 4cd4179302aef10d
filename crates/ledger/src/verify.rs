//! One check of the whole book, for Settings, the command line and support: SQLite's own
//! integrity check of the file, the audit chain (keyed part and anchors included), and every
//! record's history replayed against its row.

use serde::Serialize;

use crate::audit::{AnchorVerdict, ChainReport};
use crate::error::Result;
use crate::progress::Progress;
use crate::replay::StateReport;
use crate::Ledger;

/// What [`Ledger::verify_book`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookReport {
    /// What SQLite's integrity check says is wrong with the file (at most 20); empty when
    /// nothing is.
    pub storage: Vec<String>,
    pub chain: ChainReport,
    /// The records whose rows say something their history does not; `None` when the chain
    /// is already broken (a history that was changed cannot vouch for the rows).
    pub state: Option<StateReport>,
}

impl BookReport {
    pub fn intact(&self) -> bool {
        self.storage.is_empty()
            && self.chain.intact()
            && self
                .state
                .as_ref()
                .is_some_and(|s| s.total_differences == 0)
    }

    /// What a person reads: one sentence per finding, the verdict first.
    pub fn summary(&self) -> String {
        let wrong = self.findings(false);
        let mut lines = Vec::new();
        if wrong.is_empty() {
            lines.push(format!(
                "intact: the file passes SQLite's integrity check, all {} audit events chain{}, and the {} records agree with their history.",
                self.chain.events,
                match self.chain.keyed_from {
                    Some(from) => format!(" (keyed from event {from})"),
                    None => String::new(),
                },
                self.state.as_ref().map_or(0, |s| s.records),
            ));
        } else {
            lines.push(format!("NOT intact: {}.", wrong.join("; ")));
        }
        for run in &self.chain.unchecked {
            lines.push(format!(
                "Cannot check the keyed part of events {}–{}: their key ({}) is not on this computer. They link to each other, but their hashes cannot be checked here.",
                run.from_seq, run.to_seq, run.key_id
            ));
        }
        if self.chain.anchor.is_none() && self.chain.events > 0 {
            lines.push(
                "No anchor of this book is on this computer, so history cut off at the end could not be told from history that ends there."
                    .to_owned(),
            );
        }
        lines.join("\n")
    }

    /// What differs, one sentence each; a book cut off at the end is one finding unless
    /// `older_copy` (a backup is the book as it was, so it ends early).
    pub fn findings(&self, older_copy: bool) -> Vec<String> {
        let mut wrong = Vec::new();
        if !self.storage.is_empty() {
            wrong.push(format!("the file is damaged ({})", self.storage.join("; ")));
        }
        if let Some(seq) = self.chain.first_bad_seq {
            wrong.push(format!(
                "audit event {seq} does not match its hash or the event before it: the history was changed from there on"
            ));
        }
        if let Some(check) = &self.chain.anchor {
            let a = &check.anchor;
            match check.verdict {
                AnchorVerdict::Agrees => {}
                AnchorVerdict::CutOff if older_copy => {}
                AnchorVerdict::CutOff => wrong.push(format!(
                    "the history ends at event {}, but on {} it reached event {}: events were cut off",
                    self.chain.events, a.at, a.seq
                )),
                AnchorVerdict::Rewritten => wrong.push(format!(
                    "event {} is not the one written down on {}: the history was rewritten",
                    a.seq, a.at
                )),
            }
        }
        if let Some(state) = &self.state {
            for d in &state.differences {
                wrong.push(format!(
                    "{} {}: the row says {} but its history says {}",
                    d.record, d.field, d.stored, d.history
                ));
            }
            let more = state.total_differences - state.differences.len() as i64;
            if more > 0 {
                wrong.push(format!("{more} more differences between rows and history"));
            }
        }
        wrong
    }
}

impl Ledger {
    /// Checks the file's storage, the audit chain and every record's history; reads only.
    pub async fn verify_book(&self) -> Result<BookReport> {
        self.verify_book_with(&|_| true).await
    }

    /// As [`Ledger::verify_book`], telling `progress` how the chain check goes.
    pub async fn verify_book_with(&self, progress: Progress<'_>) -> Result<BookReport> {
        let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(20)")
            .fetch_all(&self.reader)
            .await?;
        let storage = found.into_iter().filter(|m| m != "ok").collect();
        let chain = self.verify_audit_chain_with(progress).await?;
        let state = match chain.first_bad_seq {
            // Each record against its history, then what the book derives from the records
            // and its schema against what the schema steps make.
            None => {
                let mut state = self.replay_history().await?;
                self.check_derived(&mut state).await?;
                Some(state)
            }
            Some(_) => None,
        };
        Ok(BookReport {
            storage,
            chain,
            state,
        })
    }
}
