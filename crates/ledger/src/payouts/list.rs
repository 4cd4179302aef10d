//! The payout list: keyword search, filters, sort and paging, designed for a million payouts.
//!
//! - Search goes through the trigram index ([`super::search`]), never a `LIKE` scan.
//! - The total comes from `payout_totals` (kept by triggers) when only status and currency
//!   filter the list; otherwise it is counted up to [`COUNT_CAP`] and reported as "at least".
//! - A page in the back half of the list is read from the other end, so no page skips more than
//!   half the rows.

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

use super::search::match_expression;
use super::{Payout, PayoutRow, PayoutStatus, SELECT_PAYOUT};
use crate::audit::timestamp;
use crate::error::{Error, Result};
use crate::money::Currency;
use crate::text::{self, Lines};
use crate::{Ledger, Page, PageRequest};

/// Past this many matches the list says "10,000+" instead of counting on.
pub const COUNT_CAP: i64 = 10_000;

/// Order of the payout list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutSort {
    #[default]
    NewestFirst,
    OldestFirst,
}

impl PayoutSort {
    fn reversed(self) -> PayoutSort {
        match self {
            PayoutSort::NewestFirst => PayoutSort::OldestFirst,
            PayoutSort::OldestFirst => PayoutSort::NewestFirst,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            PayoutSort::NewestFirst => " ORDER BY p.created_at DESC, p.id DESC",
            PayoutSort::OldestFirst => " ORDER BY p.created_at, p.id",
        }
    }
}

/// Which payouts the list shows. Every filter is optional and they combine (AND).
#[derive(Debug, Clone, Deserialize)]
pub struct PayoutQuery {
    #[serde(flatten)]
    pub page: PageRequest,
    #[serde(default)]
    pub sort: PayoutSort,
    /// Words that must all occur in the payout id, request id, username, customer name,
    /// amount, currency, description or external reference.
    #[serde(default)]
    pub search: String,
    /// Any of these statuses; empty means all.
    #[serde(default)]
    pub statuses: Vec<PayoutStatus>,
    #[serde(default)]
    pub currency: Option<String>,
    /// Created at or after this instant (RFC 3339).
    #[serde(default)]
    pub created_from: Option<String>,
    /// Created before this instant (RFC 3339).
    #[serde(default)]
    pub created_before: Option<String>,
}

impl PayoutQuery {
    pub fn page(page: i64, page_size: i64) -> PayoutQuery {
        PayoutQuery {
            page: PageRequest { page, page_size },
            sort: PayoutSort::default(),
            search: String::new(),
            statuses: Vec::new(),
            currency: None,
            created_from: None,
            created_before: None,
        }
    }
}

/// A page of the payout list.
#[derive(Debug, Clone, Serialize)]
pub struct PayoutList {
    #[serde(flatten)]
    pub page: Page<Payout>,
    /// False when `total` is a lower bound ([`COUNT_CAP`] was reached).
    pub total_exact: bool,
    /// Set when the search text had words too short to look up (fewer than 3 characters).
    pub search_hint: Option<String>,
}

/// The query, checked and in the form the SQL needs.
struct Filters {
    matching: Option<String>,
    statuses: Vec<&'static str>,
    currency: Option<&'static str>,
    from: Option<String>,
    before: Option<String>,
}

impl Filters {
    fn new(query: &PayoutQuery) -> Result<Filters> {
        let search =
            text::optional("search", "Search", &query.search, 200, Lines::One)?.unwrap_or_default();
        let currency = match query.currency.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(
                Currency::from_code(code)
                    .ok_or_else(|| {
                        Error::validation(
                            "currency",
                            format!("{code} is not an ISO 4217 currency."),
                        )
                    })?
                    .code(),
            ),
        };
        let mut statuses: Vec<&'static str> = query.statuses.iter().map(|s| s.as_str()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        Ok(Filters {
            matching: match_expression(&search),
            statuses,
            currency,
            from: instant("created_from", query.created_from.as_deref())?,
            before: instant("created_before", query.created_before.as_deref())?,
        })
    }

    /// True when `payout_totals` alone gives the total.
    fn counted_by_totals(&self) -> bool {
        self.matching.is_none() && self.from.is_none() && self.before.is_none()
    }

    fn push_where(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
        sql.push(" WHERE 1 = 1");
        if let Some(matching) = &self.matching {
            sql.push(" AND p.id IN (SELECT rowid FROM payout_search WHERE payout_search MATCH ")
                .push_bind(matching.clone())
                .push(")");
        }
        self.push_status_and_currency(sql, "p.");
        if let Some(from) = &self.from {
            sql.push(" AND p.created_at >= ").push_bind(from.clone());
        }
        if let Some(before) = &self.before {
            sql.push(" AND p.created_at < ").push_bind(before.clone());
        }
    }

    fn push_status_and_currency(&self, sql: &mut QueryBuilder<'_, Sqlite>, table: &str) {
        if !self.statuses.is_empty() {
            sql.push(format_args!(" AND {table}status IN ("));
            let mut list = sql.separated(", ");
            for status in &self.statuses {
                list.push_bind(*status);
            }
            sql.push(")");
        }
        if let Some(currency) = self.currency {
            sql.push(format_args!(" AND {table}currency = "))
                .push_bind(currency);
        }
    }
}

fn instant(field: &'static str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|at| Some(timestamp(at.to_utc())))
            .map_err(|_| Error::validation(field, "Give the date as a full date and time.")),
    }
}

impl Ledger {
    /// One page of payouts with the total; see the module notes for how it stays fast.
    pub async fn list_payouts(&self, query: &PayoutQuery) -> Result<PayoutList> {
        let page = query.page.checked()?;
        let filters = Filters::new(query)?;
        let search_hint = (!query.search.trim().is_empty()
            && query
                .search
                .split_whitespace()
                .any(|w| w.chars().count() < 3))
        .then(|| "Words shorter than 3 characters are not searched.".to_owned());

        let (total, total_exact) = self.payout_total(&filters).await?;
        // Read a page in the back half from the far end, then put it back in order.
        let offset = page.offset();
        let from_end = total_exact && offset > total / 2 && offset < total;
        let (sort, offset, limit) = if from_end {
            let end = (offset + page.page_size).min(total);
            (query.sort.reversed(), total - end, end - offset)
        } else {
            (query.sort, offset, page.page_size)
        };
        let mut sql = QueryBuilder::new(SELECT_PAYOUT);
        filters.push_where(&mut sql);
        sql.push(sort.order_by())
            .push(" LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let mut rows: Vec<PayoutRow> = sql.build_query_as().fetch_all(&self.reader).await?;
        if from_end {
            rows.reverse();
        }
        let items = rows
            .into_iter()
            .map(Payout::try_from)
            .collect::<Result<_>>()?;
        Ok(PayoutList {
            page: Page {
                items,
                total,
                page: page.page,
                page_size: page.page_size,
            },
            total_exact,
            search_hint,
        })
    }

    async fn payout_total(&self, filters: &Filters) -> Result<(i64, bool)> {
        if filters.counted_by_totals() {
            let mut sql =
                QueryBuilder::new("SELECT IFNULL(SUM(p.n), 0) FROM payout_totals p WHERE 1 = 1");
            filters.push_status_and_currency(&mut sql, "p.");
            let total: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
            return Ok((total, true));
        }
        let mut sql = QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM payouts p");
        filters.push_where(&mut sql);
        sql.push(" LIMIT ").push_bind(COUNT_CAP + 1).push(")");
        let counted: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
        Ok((counted.min(COUNT_CAP), counted <= COUNT_CAP))
    }
}
