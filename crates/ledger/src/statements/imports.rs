//! The imports screen: every statement imported, newest first, with what is left to do in it,
//! so a review left unfinished (the app closed, another day) is found and reopened.

use serde::Serialize;

use crate::error::Result;
use crate::{Ledger, Page, PageRequest};

/// An import as the list shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ImportSummary {
    pub id: i64,
    pub file_name: String,
    /// `paypal_csv`, `camt053` or `generic_csv`.
    pub format: String,
    pub imported_at: String,
    /// Who imported it, from the import's audit event.
    pub imported_by: String,
    pub lines: i64,
    pub confirmed: i64,
    /// Lines the provider has not completed yet.
    pub pending: i64,
    /// Payments and returns neither confirmed, set aside nor pending: what the review still
    /// asks about.
    pub open: i64,
    /// Lines of the file that could not be read.
    pub unreadable: i64,
}

impl Ledger {
    /// The statements imported so far, newest first, a page at a time.
    pub async fn statement_imports(&self, page: PageRequest) -> Result<Page<ImportSummary>> {
        let page = page.checked()?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM statement_imports")
            .fetch_one(&self.reader)
            .await?;
        let items = sqlx::query_as(
            "SELECT i.id, i.file_name, i.format, i.imported_at,
                    IFNULL((SELECT e.actor FROM audit_events e
                             WHERE e.action = 'import' AND e.entity = 'book' AND e.entity_id = i.id
                             LIMIT 1), '') AS imported_by,
                    COUNT(l.id) AS lines,
                    COUNT(l.payout_id) AS confirmed,
                    IFNULL(SUM(l.payout_id IS NULL AND l.dismissed_at IS NULL AND l.pending), 0)
                        AS pending,
                    IFNULL(SUM(l.payout_id IS NULL AND l.dismissed_at IS NULL AND NOT l.pending
                               AND l.kind <> 'other'), 0) AS open,
                    (SELECT COUNT(*) FROM statement_unreadable u WHERE u.import_id = i.id)
                        AS unreadable
               FROM (SELECT * FROM statement_imports ORDER BY id DESC LIMIT ? OFFSET ?) i
               LEFT JOIN statement_lines l ON l.import_id = i.id
              GROUP BY i.id ORDER BY i.id DESC",
        )
        .bind(page.page_size)
        .bind(page.offset())
        .fetch_all(&self.reader)
        .await?;
        Ok(Page {
            items,
            total,
            page: page.page,
            page_size: page.page_size,
        })
    }
}
