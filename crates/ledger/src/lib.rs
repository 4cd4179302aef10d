//! The Incentise Payouts book: everything a user can do, as async functions over one SQLite
//! file. Nothing here knows about Tauri; the desktop shell is a thin adapter.
//!
//! Every write goes through [`audit::WriteTx`], so every change leaves its audit event in the
//! same transaction. Every function that needs the time takes it (through [`Origin`]).

pub mod accounts;
pub mod anchors;
pub mod attention;
pub mod audit;
pub mod audit_log;
mod audit_search;
pub mod backups;
mod book_lock;
pub mod chain;
mod consistency;
pub mod customer_page;
pub mod customers;
pub mod data_import;
pub mod diagnostics;
pub mod error;
pub mod export;
mod files;
pub use files::private_dir;
pub mod ids;
pub mod lifecycle;
pub mod messages;
pub mod money;
mod packed;
pub mod payment_files;
pub use payment_files::runs;
pub mod payouts;
pub mod programs;
pub mod progress;
pub mod refusal;
pub mod replay;
pub mod requests;
mod restore_check;
mod retries;
pub mod sample;
mod schema_steps;
mod search_index;
pub mod second_copy;
pub mod settings;
pub mod statements;
pub mod store;
mod text;
mod validate;
pub mod verify;

use serde::Serialize;

pub use audit::{Action, AuditEvent, ChainReport, Entity, Origin, Record, Source};
pub use error::{Error, Result};
pub use ids::{AccountId, CustomerId, PayoutId, ProgramId, RecordId, RequestId, RunId};
pub use lifecycle::{FailureReason, PaidVia, PayoutStatus, RequestStatus};
pub use money::{Currency, Money};
pub use refusal::Refusal;
pub use store::{Create, Ledger};

/// One page of a list, with the total the list would have unpaged.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// 1-based.
    pub page: i64,
    pub page_size: i64,
}

/// Past this many rows a list says "10,000+" instead of counting on.
pub const COUNT_CAP: i64 = 10_000;

/// Which page of a list to read.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct PageRequest {
    /// 1-based; a page past the end gives an empty page with the right total.
    pub page: i64,
    pub page_size: i64,
}

impl PageRequest {
    pub const MAX_SIZE: i64 = 200;

    pub(crate) fn checked(self) -> Result<PageRequest> {
        if !(1..=Self::MAX_SIZE).contains(&self.page_size) {
            return Err(Error::validation(
                "page_size",
                format!("Show between 1 and {} rows a page.", Self::MAX_SIZE),
            ));
        }
        if self.page < 1 {
            return Err(Error::validation("page", "Pages are numbered from 1."));
        }
        Ok(self)
    }

    pub(crate) fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.page_size)
    }
}

/// The `%` and `_` of a user's search text match literally in `LIKE ... ESCAPE '\'`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
