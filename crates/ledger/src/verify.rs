//! One check of the whole book, for the command line and support: SQLite's own integrity check
//! of the file, and the audit chain recomputed from the first event.

use serde::Serialize;

use crate::audit::ChainReport;
use crate::error::Result;
use crate::Ledger;

/// What [`Ledger::verify_book`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookReport {
    /// What SQLite's integrity check says is wrong with the file (at most 20); empty when
    /// nothing is.
    pub storage: Vec<String>,
    pub chain: ChainReport,
}

impl BookReport {
    pub fn intact(&self) -> bool {
        self.storage.is_empty() && self.chain.first_bad_seq.is_none()
    }

    /// One line a person reads: what was checked and what differs.
    pub fn summary(&self) -> String {
        let mut wrong = Vec::new();
        if !self.storage.is_empty() {
            wrong.push(format!("the file is damaged ({})", self.storage.join("; ")));
        }
        if let Some(seq) = self.chain.first_bad_seq {
            wrong.push(format!(
                "audit event {seq} does not match its hash or the event before it: the history was changed from there on"
            ));
        }
        if wrong.is_empty() {
            format!(
                "intact: the file passes SQLite's integrity check and all {} audit events chain.",
                self.chain.events
            )
        } else {
            format!("NOT intact: {}.", wrong.join("; and "))
        }
    }
}

impl Ledger {
    /// Checks the file's storage and the audit chain; reads only.
    pub async fn verify_book(&self) -> Result<BookReport> {
        let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(20)")
            .fetch_all(&self.reader)
            .await?;
        let storage = found.into_iter().filter(|m| m != "ok").collect();
        Ok(BookReport {
            storage,
            chain: self.verify_audit_chain().await?,
        })
    }
}
