//! What support needs to know about a book, and nothing a customer would mind: sizes, counts,
//! the schema, the chain head and the newest backup. No name, no account, no amount.

use serde::Serialize;

use crate::anchors::ChainHead;
use crate::error::Result;
use crate::Ledger;

#[derive(Debug, Clone, Serialize)]
pub struct BookFacts {
    /// The newest migration applied.
    pub schema: i64,
    pub bytes: u64,
    /// Rows per kind of record, in the order the app shows them.
    pub counts: Vec<(String, i64)>,
    pub head: ChainHead,
    pub newest_backup: Option<String>,
}

impl BookFacts {
    /// The facts as lines of text, for "Copy diagnostics".
    pub fn lines(&self) -> Vec<String> {
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        vec![
            format!("Schema: {}", self.schema),
            format!("Size: {} bytes", self.bytes),
            format!("Records: {}", counts.join(", ")),
            format!(
                "Audit trail: {} events, head {}, {}",
                self.head.seq,
                self.head.fingerprint,
                if self.head.keyed {
                    "keyed"
                } else {
                    "not keyed"
                }
            ),
            format!(
                "Newest backup: {}",
                self.newest_backup.as_deref().unwrap_or("none")
            ),
        ]
    }
}

impl Ledger {
    pub async fn book_facts(&self) -> Result<BookFacts> {
        let schema: i64 = sqlx::query_scalar(
            "SELECT IFNULL(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.reader)
        .await?;
        let mut counts = Vec::new();
        for (kind, table) in [
            ("customers", "customers"),
            ("payment accounts", "payment_accounts"),
            ("programs", "incentive_programs"),
            ("requests", "incentive_requests"),
            ("payouts", "payouts"),
            ("statement imports", "statement_imports"),
        ] {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&self.reader)
                .await?;
            counts.push((kind.to_owned(), n));
        }
        let bytes = std::fs::metadata(self.path()).map_or(0, |m| m.len());
        Ok(BookFacts {
            schema,
            bytes,
            counts,
            head: self.chain_head().await?,
            newest_backup: self.backups()?.into_iter().next().map(|b| b.file_name),
        })
    }
}
