//! The payout list: keyword search, filters, sort and paging, designed so that a page costs what
//! its answer costs, not what the book holds (measured by `examples/list_at_scale.rs`).
//!
//! - Pages are read by keyset ([`Cursor`]): the page after or before a payout in the list's
//!   order, or the last page, so page 20,000 costs what page 1 does. A numbered page without a
//!   cursor is read with OFFSET, a page in the back half from the other end.
//! - Search goes through the trigram index ([`crate::search_index`]), never a `LIKE` scan. While
//!   payout ids follow creation time (every book whose clock never went back, see migration
//!   0016) the index hands its matches in the list's order and a date range is a rowid range,
//!   so a page walks the index from its start and stops when full. With status or currency
//!   filters one request walks at most [`WALK`] matches; when the page is not full by then, the
//!   answer says how far it searched ([`PayoutList::searched_to`]) and the caller asks on from
//!   there. In a book whose clock once went back, a search matching up to [`BROAD`] payouts is
//!   collected and sorted, a broader one tested row by row along the date index.
//! - Several statuses are read as one ordered run per status and merged, so no page sorts them.
//! - The total comes from `payout_totals` (kept by triggers) when only status and currency
//!   filter the list. A search is counted up to [`BROAD`] matches ("10,000+" past it), and with
//!   filters exactly while it matches at most [`COUNTED`] payouts; past that the page only says
//!   whether more follow. Dates alone are counted up to [`COUNT_CAP`].

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

use super::{not_found, Payout, PayoutRow, PayoutStatus, SELECT_PAYOUT};
use crate::audit::timestamp;
use crate::error::{Error, Result};
use crate::ids::PayoutId;
use crate::money::Currency;
use crate::search_index::{match_expression, short_words_hint, Index};
use crate::text::{self, Lines};
use crate::{Ledger, Page, PageRequest};

pub use crate::COUNT_CAP;

/// A search matching more payouts than this is "broad": it is walked in the index's order rather
/// than collected first, and its total is given as "10,000+".
pub const BROAD: i64 = 10_000;

/// The most index matches one request of a broad search with status or currency filters walks.
pub const WALK: i64 = 2_000;

/// A search with filters is counted exactly while it matches at most this many payouts; past
/// it, the page only says whether more follow.
pub const COUNTED: i64 = 2_000;

/// Where a page starts when it is not a numbered page (see the module notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cursor {
    /// The rows that follow this payout in the list's order.
    After(PayoutId),
    /// The rows that come just before this payout in the list's order.
    Before(PayoutId),
    /// The last page.
    End,
}

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

    /// `<` or `>`: what comes later in this order than a key.
    fn later(self) -> &'static str {
        match self {
            PayoutSort::NewestFirst => "<",
            PayoutSort::OldestFirst => ">",
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
    /// Read the page by keyset from here; `page` then only numbers it.
    #[serde(default)]
    pub cursor: Option<Cursor>,
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
            cursor: None,
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
    /// Set when a broad search with filters stopped walking the index at this payout before the
    /// page was full: ask again with [`Cursor::After`] it (or [`Cursor::Before`] when reading
    /// backwards) for the rest of the page.
    pub searched_to: Option<PayoutId>,
}

/// The query, checked and in the form the SQL needs.
#[derive(Debug, Clone)]
pub(crate) struct Filters {
    matching: Option<String>,
    /// The search matches more than [`BROAD`] payouts.
    broad: bool,
    /// The page is read by walking the search index in the list's order.
    walk: bool,
    /// How many payouts the search matches, when counted (only up to a cap).
    matches: Option<i64>,
    statuses: Vec<&'static str>,
    currency: Option<&'static str>,
    from: Option<String>,
    before: Option<String>,
    /// Payout ids follow creation time (migration 0016): the search index's rowid order is
    /// the list's.
    in_time_order: bool,
    /// The ids the date range holds, first and last, when payout ids follow creation time.
    span: Option<(i64, i64)>,
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
            walk: false,
            matches: None,
            statuses,
            currency,
            from: instant("created_from", query.created_from.as_deref())?,
            before: instant("created_before", query.created_before.as_deref())?,
            in_time_order: false,
            span: None,
        })
    }

    /// True when `payout_totals` alone gives the total.
    fn counted_by_totals(&self) -> bool {
        self.matching.is_none() && self.from.is_none() && self.before.is_none()
    }

    /// True when nothing but the search (and a date range read as an id span) filters.
    fn only_search(&self) -> bool {
        self.statuses.is_empty()
            && self.currency.is_none()
            && (self.span.is_some() || (self.from.is_none() && self.before.is_none()))
    }

    /// What the search index cannot test, tested on each payout (`p`) it hands: status,
    /// currency, and the dates unless they are a rowid span.
    fn push_per_row(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
        self.push_status_and_currency(sql, "p.");
        if self.span.is_none() {
            self.push_dates(sql);
        }
    }

    /// The date range as a rowid range of the search index.
    fn push_span(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
        if let Some((first, last)) = self.span {
            sql.push(" AND payout_search.rowid BETWEEN ")
                .push_bind(first)
                .push(" AND ")
                .push_bind(last);
        }
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
        self.push_dates(sql);
    }

    fn push_dates(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
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

/// A payout's place in the list's order.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Key {
    created_at: String,
    id: PayoutId,
}

/// How one page is read: in `sort` order, after `after`, skipping `offset` rows.
#[derive(Debug)]
struct Read {
    sort: PayoutSort,
    after: Option<Key>,
    offset: i64,
    limit: i64,
}

impl Read {
    fn push_keyset(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
        if let Some(key) = &self.after {
            sql.push(format_args!(
                " AND (p.created_at, p.id) {} (",
                self.sort.later()
            ))
            .push_bind(key.created_at.clone())
            .push(", ")
            .push_bind(key.id)
            .push(")");
        }
    }

    fn push_limit(&self, sql: &mut QueryBuilder<'_, Sqlite>) {
        sql.push(" LIMIT ")
            .push_bind(self.limit)
            .push(" OFFSET ")
            .push_bind(self.offset);
    }
}

impl Ledger {
    /// The currencies the book's payouts are in, by code: what the list's currency filter
    /// offers (from `payout_totals`, a few rows whatever the number of payouts).
    pub async fn payout_currencies(&self) -> Result<Vec<Currency>> {
        let codes: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT currency FROM payout_totals WHERE n > 0 ORDER BY currency",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(codes
            .iter()
            .filter_map(|c| Currency::from_code(c))
            .collect())
    }

    /// One page of payouts with the total; see the module notes for how it stays fast.
    pub async fn list_payouts(&self, query: &PayoutQuery) -> Result<PayoutList> {
        let page = query.page.checked()?;
        let mut filters = Filters::new(query)?;
        let mut search_hint = short_words_hint(&query.search);
        if filters.matching.is_some() && !self.search_index_ready(Index::Payouts).await? {
            search_hint = Some(crate::search_index::READ_ONLY_BEHIND.to_owned());
        }
        filters.in_time_order = self.payouts_in_time_order().await?;
        if filters.in_time_order {
            filters.span = self.date_span(&filters).await?;
        }
        // A search alone, on its first page, in a book whose ids follow creation time, is read
        // first: a page that is not full is its own exact total, and the index is counted only
        // when it is (each pass over a common word's index costs a few ms).
        let read_first = filters.matching.is_some()
            && filters.in_time_order
            && filters.only_search()
            && query.cursor.is_none()
            && page.page == 1;
        let mut known = if read_first {
            filters.walk = true;
            None
        } else {
            self.payout_total(&mut filters).await?
        };

        let size = page.page_size;
        let reversed = query.sort.reversed();
        let forward = |after, offset, limit| Read {
            sort: query.sort,
            after,
            offset,
            limit,
        };
        let backward = |after, offset, limit| Read {
            sort: reversed,
            after,
            offset,
            limit,
        };
        // Each read but the last page's asks one row more, to tell whether more follow.
        let read = match query.cursor {
            None => {
                let offset = page.offset();
                match known {
                    Some((total, true)) if offset >= total => None,
                    Some((total, true)) if offset > total / 2 => {
                        let end = (offset + size).min(total);
                        Some(backward(None, total - end, end - offset))
                    }
                    _ => Some(forward(None, offset, size + 1)),
                }
            }
            Some(Cursor::After(id)) => Some(forward(Some(self.payout_key(id).await?), 0, size + 1)),
            Some(Cursor::Before(id)) => {
                Some(backward(Some(self.payout_key(id).await?), 0, size + 1))
            }
            Some(Cursor::End) => match known {
                Some((0, true)) => None,
                Some((total, true)) => Some(backward(None, 0, (total - 1) % size + 1)),
                _ => Some(backward(None, 0, size)),
            },
        };
        let (mut ids, searched_to) = match &read {
            Some(read) => self.page_ids(&filters, read).await?,
            None => (Vec::new(), None),
        };
        let more = ids.len() as i64 > size;
        if read_first {
            known = match more {
                true => self.payout_total(&mut filters).await?,
                false => Some((ids.len() as i64, true)),
            };
        }
        ids.truncate(size as usize);
        if read.as_ref().is_some_and(|read| read.sort != query.sort) {
            ids.reverse();
        }
        let (total, total_exact) = match known {
            Some(known) => known,
            // A broad search with filters is not counted: the total is what is known so far,
            // and one more when more follow.
            None => {
                let seen = if ids.is_empty() {
                    0
                } else {
                    page.offset() + ids.len() as i64
                };
                let unknown = more || searched_to.is_some();
                (seen + i64::from(unknown), !unknown && !ids.is_empty())
            }
        };
        Ok(PayoutList {
            page: Page {
                items: self.payouts_in_order(&ids).await?,
                total,
                page: page.page,
                page_size: size,
            },
            total_exact,
            search_hint,
            searched_to,
        })
    }

    /// Whether payout ids follow creation time (migration 0016).
    async fn payouts_in_time_order(&self) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM settings WHERE key = 'payouts_out_of_time_order')",
        )
        .fetch_one(&self.reader)
        .await?)
    }

    /// The first and last id created in the date range, from the date index; `None` without a
    /// range. Valid only while payout ids follow creation time.
    async fn date_span(&self, filters: &Filters) -> Result<Option<(i64, i64)>> {
        if filters.from.is_none() && filters.before.is_none() {
            return Ok(None);
        }
        let first: Option<i64> =
            match &filters.from {
                None => Some(i64::MIN),
                Some(from) => sqlx::query_scalar(
                    "SELECT id FROM payouts WHERE created_at >= ? ORDER BY created_at, id LIMIT 1",
                )
                .bind(from)
                .fetch_optional(&self.reader)
                .await?,
            };
        let last: Option<i64> = match &filters.before {
            None => Some(i64::MAX),
            Some(before) => {
                sqlx::query_scalar(
                    "SELECT id FROM payouts WHERE created_at < ?
                      ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(before)
                .fetch_optional(&self.reader)
                .await?
            }
        };
        Ok(Some(match (first, last) {
            (Some(first), Some(last)) => (first, last),
            _ => (1, 0),
        }))
    }

    async fn payout_key(&self, id: PayoutId) -> Result<Key> {
        sqlx::query_as("SELECT created_at, id FROM payouts WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// The payouts of `ids`, in that order.
    async fn payouts_in_order(&self, ids: &[PayoutId]) -> Result<Vec<Payout>> {
        let rows: Vec<PayoutRow> = sqlx::query_as(&format!(
            "{SELECT_PAYOUT} WHERE p.id IN (SELECT value FROM json_each(?))"
        ))
        .bind(serde_json::to_string(ids).expect("ids serialise"))
        .fetch_all(&self.reader)
        .await?;
        let mut by_id: std::collections::HashMap<PayoutId, PayoutRow> =
            rows.into_iter().map(|row| (row.id, row)).collect();
        ids.iter()
            .filter_map(|id| by_id.remove(id))
            .map(Payout::try_from)
            .collect()
    }

    /// The ids of one read, in its order, and where a bounded walk stopped short.
    async fn page_ids(
        &self,
        filters: &Filters,
        read: &Read,
    ) -> Result<(Vec<PayoutId>, Option<PayoutId>)> {
        if filters.walk {
            return self.walk_index(filters, read).await;
        }
        if filters.matching.is_none() && filters.statuses.len() > 1 {
            return Ok((self.merge_statuses(filters, read).await?, None));
        }
        let mut sql = QueryBuilder::new("SELECT p.id FROM payouts p");
        filters.push_where(&mut sql);
        read.push_keyset(&mut sql);
        sql.push(read.sort.order_by());
        read.push_limit(&mut sql);
        Ok((
            sql.build_query_scalar().fetch_all(&self.reader).await?,
            None,
        ))
    }

    /// Several statuses without a search: one ordered run per status (each read from its
    /// index), merged.
    async fn merge_statuses(&self, filters: &Filters, read: &Read) -> Result<Vec<PayoutId>> {
        let mut sql = QueryBuilder::new("SELECT id FROM (");
        for (i, status) in filters.statuses.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            let one = Filters {
                statuses: vec![*status],
                ..filters.clone()
            };
            sql.push("SELECT * FROM (SELECT p.id, p.created_at FROM payouts p");
            one.push_where(&mut sql);
            read.push_keyset(&mut sql);
            sql.push(read.sort.order_by())
                .push(" LIMIT ")
                .push_bind(read.offset + read.limit)
                .push(")");
        }
        sql.push(") p").push(read.sort.order_by());
        read.push_limit(&mut sql);
        Ok(sql.build_query_scalar().fetch_all(&self.reader).await?)
    }

    /// A broad search in a book whose ids follow creation time: the index hands its matches in
    /// the list's order, filtered row by row; with status or currency filters, at most
    /// [`WALK`] matches from the start of the read (see the module notes).
    async fn walk_index(
        &self,
        filters: &Filters,
        read: &Read,
    ) -> Result<(Vec<PayoutId>, Option<PayoutId>)> {
        let matching = filters.matching.clone().expect("a walked search has words");
        // The index's matches from the start of the read, up to `edge`; with `per_row`, joined
        // to their payouts and filtered.
        let walk = |per_row: bool, edge: Option<PayoutId>| {
            let mut sql = QueryBuilder::new("SELECT payout_search.rowid FROM payout_search");
            if per_row {
                sql.push(" CROSS JOIN payouts p ON p.id = payout_search.rowid");
            }
            sql.push(" WHERE payout_search MATCH ")
                .push_bind(matching.clone());
            filters.push_span(&mut sql);
            if let Some(key) = &read.after {
                sql.push(format_args!(
                    " AND payout_search.rowid {} ",
                    read.sort.later()
                ))
                .push_bind(key.id);
            }
            if let Some(edge) = edge {
                let before_edge = read.sort.reversed().later();
                sql.push(format_args!(" AND payout_search.rowid {before_edge}= "))
                    .push_bind(edge);
            }
            if per_row {
                filters.push_per_row(&mut sql);
            }
            sql.push(match read.sort {
                PayoutSort::NewestFirst => " ORDER BY payout_search.rowid DESC",
                PayoutSort::OldestFirst => " ORDER BY payout_search.rowid",
            });
            sql
        };
        if filters.only_search() {
            let mut sql = walk(false, None);
            read.push_limit(&mut sql);
            return Ok((
                sql.build_query_scalar().fetch_all(&self.reader).await?,
                None,
            ));
        }
        // At most WALK matches from the start of the read (all of them for a numbered page past
        // the first): the last of them bounds the walk.
        let few = filters.matches.is_some_and(|matches| matches <= WALK);
        let edge: Option<PayoutId> = if read.offset == 0 && !few {
            let mut sql = walk(false, None);
            sql.push(" LIMIT 1 OFFSET ").push_bind(WALK - 1);
            sql.build_query_scalar()
                .fetch_optional(&self.reader)
                .await?
        } else {
            None
        };
        let mut sql = walk(true, edge);
        read.push_limit(&mut sql);
        let ids: Vec<PayoutId> = sql.build_query_scalar().fetch_all(&self.reader).await?;
        let short = (ids.len() as i64) < read.limit;
        Ok((ids, edge.filter(|_| short)))
    }

    /// The total and whether it is exact, or `None` for a broad search with filters, which is
    /// not counted. Also decides how the search runs (`filters.broad`, `filters.walk`).
    async fn payout_total(&self, filters: &mut Filters) -> Result<Option<(i64, bool)>> {
        if filters.counted_by_totals() {
            let mut sql =
                QueryBuilder::new("SELECT IFNULL(SUM(p.n), 0) FROM payout_totals p WHERE 1 = 1");
            filters.push_status_and_currency(&mut sql, "p.");
            let total: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
            return Ok(Some((total, true)));
        }
        if let Some(matching) = &filters.matching {
            let mut sql = QueryBuilder::new(
                "SELECT COUNT(*) FROM (SELECT rowid FROM payout_search WHERE payout_search MATCH ",
            );
            sql.push_bind(matching.clone());
            filters.push_span(&mut sql);
            // Walked with filters, the search needs counting only as far as it is counted exactly.
            let cap = match filters.in_time_order && !filters.only_search() {
                true => COUNTED.max(WALK),
                false => BROAD,
            };
            sql.push(" LIMIT ").push_bind(cap + 1).push(")");
            let matches: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
            filters.broad = matches > BROAD;
            filters.matches = Some(matches);
            filters.walk = filters.in_time_order;
            if filters.only_search() {
                return Ok(Some((matches.min(BROAD), !filters.broad)));
            }
            // With filters: counted among the search's matches while they are few, exactly.
            let mut sql = if filters.in_time_order && matches <= COUNTED {
                let mut sql = QueryBuilder::new(
                    "SELECT COUNT(*) FROM payout_search
                       CROSS JOIN payouts p ON p.id = payout_search.rowid
                      WHERE payout_search MATCH ",
                );
                sql.push_bind(matching.clone());
                filters.push_span(&mut sql);
                filters.push_per_row(&mut sql);
                sql
            } else if !filters.in_time_order && !filters.broad {
                let mut sql = QueryBuilder::new("SELECT COUNT(*) FROM payouts p");
                filters.push_where(&mut sql);
                sql
            } else {
                return Ok(None);
            };
            let counted: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
            return Ok(Some((counted, true)));
        }
        let mut sql = QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM payouts p");
        filters.push_where(&mut sql);
        sql.push(" LIMIT ").push_bind(COUNT_CAP + 1).push(")");
        let counted: i64 = sql.build_query_scalar().fetch_one(&self.reader).await?;
        Ok(Some((counted.min(COUNT_CAP), counted <= COUNT_CAP)))
    }
}
