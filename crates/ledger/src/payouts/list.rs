//! The payout list: keyword search, filters, sort and paging, designed for a million payouts.
//!
//! - Search goes through the trigram index ([`super::search`]), never a `LIKE` scan.
//! - The total comes from `payout_totals` (kept by triggers) when only status and currency
//!   filter the list; otherwise it is counted up to [`COUNT_CAP`] and reported as "at least".
//! - A search is first counted in the index up to [`BROAD`] matches. A narrow one is collected
//!   and joined; a broad one is tested row by row while walking the date index, and with other
//!   filters it is not counted at all (the page says whether more follow).
//! - A page in the back half of the list is read from the other end, so no page skips more than
//!   half the rows.

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

use super::{Payout, PayoutRow, PayoutStatus, SELECT_PAYOUT};
use crate::audit::timestamp;
use crate::error::{Error, Result};
use crate::money::Currency;
use crate::search_index::match_expression;
use crate::text::{self, Lines};
use crate::{Ledger, Page, PageRequest};

/// Past this many rows the list says "10,000+" instead of counting on.
pub const COUNT_CAP: i64 = 10_000;

/// A search matching more payouts than this is "broad": it is tested row by row along the date
/// index rather than collected first, and its total is given as "1,000+".
pub const BROAD: i64 = 1_000;

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
#[derive(Debug, Clone)]
pub(crate) struct Filters {
    matching: Option<String>,
    /// The search matches more than [`BROAD`] payouts.
    broad: bool,
    statuses: Vec<&'static str>,
    currency: Option<&'static str>,
    from: Option<String>,
    before: Option<String>,
}

impl Filters {
    pub(crate) fn new(query: &PayoutQuery) -> Result<Filters> {
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
            broad: false,
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

    fn only_search(&self) -> bool {
        self.statuses.is_empty()
            && self.currency.is_none()
            && self.from.is_none()
            && self.before.is_none()
    }

    pub(crate) fn push_where(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
        sql.push(" WHERE 1 = 1");
        match (&self.matching, self.broad) {
            (None, _) => {}
            (Some(matching), false) => {
                sql.push(
                    " AND p.id IN (SELECT rowid FROM payout_search WHERE payout_search MATCH ",
                )
                .push_bind(matching.clone())
                .push(")");
            }
            (Some(matching), true) => {
                sql.push(" AND EXISTS (SELECT 1 FROM payout_search WHERE payout_search MATCH ")
                    .push_bind(matching.clone())
                    .push(" AND rowid = p.id)");
            }
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
    /// Before a search: brings the lines a large change left up to date (see
    /// [`crate::search_index`]); false when they are behind and the book is open read-only.
    pub(crate) async fn search_index_ready(&self, filters: &Filters) -> Result<bool> {
        if filters.matching.is_none() || !crate::search_index::behind(&self.reader).await? {
            return Ok(true);
        }
        if !self.writable() {
            return Ok(false);
        }
        crate::search_index::catch_up(&self.writer).await?;
        Ok(true)
    }

    /// One page of payouts with the total; see the module notes for how it stays fast.
    pub async fn list_payouts(&self, query: &PayoutQuery) -> Result<PayoutList> {
        let page = query.page.checked()?;
        let mut filters = Filters::new(query)?;
        let mut search_hint = (!query.search.trim().is_empty()
            && query
                .search
                .split_whitespace()
                .any(|w| w.chars().count() < 3))
        .then(|| "Words shorter than 3 characters are not searched.".to_owned());
        if !self.search_index_ready(&filters).await? {
            search_hint = Some(crate::search_index::READ_ONLY_BEHIND.to_owned());
        }

        let known = self.payout_total(&mut filters).await?;
        let offset = page.offset();
        let (rows, total, total_exact) = match known {
            Some((total, true)) if offset >= total => (Vec::new(), total, true),
            Some((total, exact)) => {
                // Read a page in the back half from the far end, then put it back in order.
                let rows = if exact && offset > total / 2 {
                    let end = (offset + page.page_size).min(total);
                    let mut rows = self
                        .payout_rows(&filters, query.sort.reversed(), total - end, end - offset)
                        .await?;
                    rows.reverse();
                    rows
                } else {
                    self.payout_rows(&filters, query.sort, offset, page.page_size)
                        .await?
                };
                (rows, total, exact)
            }
            None => {
                // A broad search with filters is not counted: one row more than the page says
                // whether there are more, and the total is what is known so far.
                let mut rows = self
                    .payout_rows(&filters, query.sort, offset, page.page_size + 1)
                    .await?;
                let more = rows.len() as i64 > page.page_size;
                rows.truncate(page.page_size as usize);
                let seen = if rows.is_empty() {
                    0
                } else {
                    offset + rows.len() as i64
                };
                let exact = !more && !rows.is_empty();
                (rows, seen + i64::from(more), exact)
            }
        };
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

    /// The page's ids first, skipping through an index alone; then their rows.
    async fn payout_rows(
        &self,
        filters: &Filters,
        sort: PayoutSort,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<PayoutRow>> {
        let mut sql = QueryBuilder::new(SELECT_PAYOUT);
        sql.push(" WHERE p.id IN (SELECT p.id FROM payouts p");
        filters.push_where(&mut sql);
        sql.push(sort.order_by())
            .push(" LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset)
            .push(")")
            .push(sort.order_by());
        Ok(sql.build_query_as().fetch_all(&self.reader).await?)
    }

    /// The total and whether it is exact, or `None` for a broad search with filters, which is
    /// not counted. Also decides how the search runs (`filters.broad`).
    async fn payout_total(&self, filters: &mut Filters) -> Result<Option<(i64, bool)>> {
        if filters.counted_by_totals() {
            let mut sql =
                QueryBuilder::new("SELECT IFNULL(SUM(p.n), 0) FROM payout_totals p WHERE 1 = 1");
            filters.push_status_and_currency(&mut sql, "p.");
            let total: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
            return Ok(Some((total, true)));
        }
        if let Some(matching) = &filters.matching {
            let matches: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT rowid FROM payout_search WHERE payout_search MATCH ? LIMIT ?)",
            )
            .bind(matching)
            .bind(BROAD + 1)
            .fetch_one(&self.reader)
            .await?;
            filters.broad = matches > BROAD;
            match (filters.broad, filters.only_search()) {
                (false, true) => return Ok(Some((matches, true))),
                (true, true) => return Ok(Some((BROAD, false))),
                (true, false) => return Ok(None),
                (false, false) => {}
            }
        }
        let mut sql = QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM payouts p");
        filters.push_where(&mut sql);
        sql.push(" LIMIT ").push_bind(COUNT_CAP + 1).push(")");
        let counted: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
        Ok(Some((counted.min(COUNT_CAP), counted <= COUNT_CAP)))
    }
}
