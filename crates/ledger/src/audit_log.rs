//! The audit log as the owner reads it: every event, newest first, a page at a time, narrowed
//! to one record ("PO-000012"), a kind of record, a source, a date range or words.
//!
//! Invariants: read-only; an unfiltered page is found by its sequence numbers (events are
//! numbered without gaps), so the last page of millions of events is as quick as the first;
//! words are looked up in the `audit_search` trigram index (see [`crate::audit_search`]), which
//! hands its events over newest first, once it holds every event; a filtered total is counted up to [`COUNT_CAP`] and said to be a
//! lower bound beyond it.

use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

use crate::audit::{AuditEvent, Entity, EventRow, Source};
use crate::error::{Error, Result};
use crate::ids::parse_any_record;
use crate::search_index::match_expression;
use crate::text::{self, Lines};
use crate::{like_pattern, Ledger, PageRequest};

pub use crate::COUNT_CAP;

/// Which events to show.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditQuery {
    /// A record number (`PO-000012`, `IR-7`, `CU-3`, `PA-2`, `PG-1`), or words to find in the actor,
    /// action, note and changed fields and values (each word of three or more characters, in
    /// any order).
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub entity: Option<Entity>,
    #[serde(default)]
    pub source: Option<Source>,
    /// Days, `YYYY-MM-DD`, both included.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(flatten)]
    pub page: PageRequest,
}

/// A page of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub total: i64,
    /// False when `total` is only a lower bound (a filter matched more than [`COUNT_CAP`]).
    pub total_exact: bool,
    pub page: i64,
    pub page_size: i64,
    /// Set when the words were looked up in an index that lags behind the book (read-only).
    pub search_hint: Option<String>,
}

fn day(field: &'static str, value: &str) -> Result<Option<String>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| Some(d.to_string()))
        .map_err(|_| Error::validation(field, "Give the day as YYYY-MM-DD."))
}

impl Ledger {
    /// The sequence numbers of the first and last event in a date range, found by bisection
    /// (events are numbered 1..=last without gaps), while events are numbered in time order
    /// (migration 0018); `None` without a range or when they are not.
    async fn audit_span(&self, from: Option<&str>, to: Option<&str>) -> Result<Option<(i64, i64)>> {
        if from.is_none() && to.is_none() {
            return Ok(None);
        }
        let (in_order, last): (bool, i64) = sqlx::query_as(
            "SELECT NOT EXISTS (SELECT 1 FROM settings
                                 WHERE key = 'audit_events_out_of_time_order'),
                    IFNULL((SELECT MAX(seq) FROM audit_events), 0)",
        )
        .fetch_one(&self.reader)
        .await?;
        if !in_order {
            return Ok(None);
        }
        // The first number in 1..=last+1 whose event `passes` (monotonic in the number).
        let first_where = async |passes: &(dyn Fn(&str) -> bool + Sync)| -> Result<i64> {
            let (mut low, mut high) = (1, last + 1);
            while low < high {
                let middle = low + (high - low) / 2;
                let at: String = sqlx::query_scalar("SELECT at FROM audit_events WHERE seq = ?")
                    .bind(middle)
                    .fetch_one(&self.reader)
                    .await?;
                if passes(&at) {
                    high = middle;
                } else {
                    low = middle + 1;
                }
            }
            Ok(low)
        };
        let first = match from {
            Some(from) => first_where(&|at| at >= from).await?,
            None => 1,
        };
        let last = match to {
            Some(to) => first_where(&|at| at > to).await? - 1,
            None => last,
        };
        Ok(Some((first, last)))
    }

    /// A page of the audit log, newest first; see the module invariants.
    pub async fn audit_log(&self, query: &AuditQuery) -> Result<AuditPage> {
        let page = query.page.checked()?;
        let search =
            text::optional("search", "Search", &query.search, 200, Lines::One)?.unwrap_or_default();
        let (from, to) = (day("from", &query.from)?, day("to", &query.to)?);
        let record = parse_any_record(&search);
        // Words of three or more characters are looked up in `audit_search`; shorter ones
        // alone fall back to reading every event.
        let words = match record {
            Some(_) => None,
            None => match_expression(&search),
        };
        // The index may lag behind a large change by a moment: it catches up first, or, in a
        // book open read-only, the page says that the newest events may be missing.
        let mut search_hint = None;
        if words.is_some() && crate::audit_search::behind(&self.reader).await? {
            if self.writable() {
                crate::audit_search::catch_up(&self.writer).await?;
            } else {
                search_hint = Some(crate::search_index::READ_ONLY_BEHIND.to_owned());
            }
        }
        let to_end = to.as_ref().map(|to| format!("{to}T23:59:59.999999Z"));
        let span = self.audit_span(from.as_deref(), to_end.as_deref()).await?;
        let filtered = !search.is_empty()
            || query.entity.is_some()
            || query.source.is_some()
            || from.is_some()
            || to.is_some();

        let push_where = |sql: &mut QueryBuilder<'_, Sqlite>| {
            sql.push(" WHERE 1 = 1");
            match record {
                Some((entity, id)) => {
                    sql.push(" AND entity = ")
                        .push_bind(entity.as_str())
                        .push(" AND entity_id = ")
                        .push_bind(id);
                }
                None if words.is_some() => {
                    sql.push(" AND s.audit_search MATCH ")
                        .push_bind(words.clone().unwrap_or_default());
                }
                None if !search.is_empty() => {
                    let pattern = like_pattern(&search);
                    sql.push(" AND (");
                    for (i, column) in ["actor", "action", "note", "changes"].iter().enumerate() {
                        if i > 0 {
                            sql.push(" OR ");
                        }
                        sql.push(format!("{column} LIKE "))
                            .push_bind(pattern.clone())
                            .push(" ESCAPE '\\'");
                    }
                    sql.push(")");
                }
                None => {}
            }
            if let Some(entity) = query.entity {
                sql.push(" AND entity = ").push_bind(entity.as_str());
            }
            if let Some(source) = query.source {
                sql.push(" AND source = ").push_bind(source.as_str());
            }
            if span.is_none() {
                if let Some(from) = &from {
                    sql.push(" AND at >= ").push_bind(from.clone());
                }
                if let Some(to) = &to_end {
                    sql.push(" AND at <= ").push_bind(to.clone());
                }
            }
            if let Some((first, last)) = span {
                // On the index's side when it drives, so it starts at the range.
                let seq = match words {
                    Some(_) => "s.rowid",
                    None => "audit_events.seq",
                };
                sql.push(format_args!(" AND {seq} BETWEEN "))
                    .push_bind(first)
                    .push(" AND ")
                    .push_bind(last);
            }
        };

        // Words alone (in a date range that is a range of numbers) are counted in the index,
        // without reading the events.
        let words_alone = words.is_some()
            && query.entity.is_none()
            && query.source.is_none()
            && (span.is_some() || (from.is_none() && to.is_none()));
        let (rows, total, total_exact): (Vec<EventRow>, i64, bool) = if filtered {
            // With words, the index drives: it gives its events newest first, so neither query
            // sorts or reads more events than it keeps.
            let (from, order) = match words {
                Some(_) => (
                    "audit_search s JOIN audit_events ON audit_events.seq = s.rowid",
                    " ORDER BY s.rowid DESC",
                ),
                None => ("audit_events", " ORDER BY seq DESC"),
            };
            let counted_in = if words_alone { "audit_search s" } else { from };
            let mut count =
                QueryBuilder::new(format!("SELECT COUNT(*) FROM (SELECT 1 FROM {counted_in}"));
            push_where(&mut count);
            count.push(" LIMIT ").push_bind(COUNT_CAP + 1).push(")");
            let counted: i64 = count.build_query_scalar().fetch_one(&self.reader).await?;
            let mut select = QueryBuilder::new(format!("SELECT audit_events.* FROM {from}"));
            push_where(&mut select);
            select
                .push(order)
                .push(" LIMIT ")
                .push_bind(page.page_size)
                .push(" OFFSET ")
                .push_bind(page.offset());
            let rows = select.build_query_as().fetch_all(&self.reader).await?;
            (rows, counted.min(COUNT_CAP), counted <= COUNT_CAP)
        } else {
            // Events are numbered 1..=last without gaps: a page is a range of numbers.
            let last: i64 = sqlx::query_scalar("SELECT IFNULL(MAX(seq), 0) FROM audit_events")
                .fetch_one(&self.reader)
                .await?;
            let top = last - page.offset();
            let rows = sqlx::query_as(
                "SELECT * FROM audit_events WHERE seq <= ? AND seq > ? ORDER BY seq DESC",
            )
            .bind(top)
            .bind(top - page.page_size)
            .fetch_all(&self.reader)
            .await?;
            (rows, last, true)
        };
        Ok(AuditPage {
            items: rows.into_iter().map(AuditEvent::from).collect(),
            total,
            total_exact,
            page: page.page,
            page_size: page.page_size,
            search_hint,
        })
    }
}
