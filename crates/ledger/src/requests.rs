//! Incentive requests: what a customer asked to be paid for. Pending → Approved or Rejected,
//! once; only an approved request can get a payout; an approved request with no open payout
//! can be Voided, with a reason, and is then never paid.

use serde::{Deserialize, Serialize};
use sqlx::{Executor, Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::audit::{Action, Diff, Event, Origin, Record, WriteTx};
use crate::error::{Error, Result};
use crate::ids::{self, CustomerId, PayoutId, ProgramId, RequestId};
use crate::money::Money;
use crate::refusal::Refusal;
use crate::retries::{attempt_key, Made};
use crate::search_index::{
    match_expression, short_words_hint, status_code, Index, PAYABLE_CODE, READ_ONLY_BEHIND,
};
use crate::text::{self, Lines};
use crate::{Ledger, Page, PageRequest, COUNT_CAP};

pub use crate::lifecycle::RequestStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequestInput {
    pub customer_id: CustomerId,
    #[serde(default)]
    pub program_id: Option<ProgramId>,
    /// Decimal text, parsed with the currency's exponent.
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub note: String,
}

/// What may change on a pending request besides its amount.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestEdit {
    #[serde(default)]
    pub program_id: Option<ProgramId>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: RequestId,
    pub number: String,
    pub customer_id: CustomerId,
    pub username: String,
    pub display_name: String,
    pub program_id: Option<ProgramId>,
    pub program: Option<String>,
    pub amount: Money,
    pub status: RequestStatus,
    pub note: String,
    pub decision_note: String,
    /// Why it was voided, when it was.
    pub void_reason: Option<String>,
    pub created_at: String,
    /// The payout that is neither Failed nor Cancelled, if any (as its number, "PO-000123").
    #[serde(serialize_with = "ids::as_number")]
    pub open_payout: Option<PayoutId>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RequestRow {
    id: RequestId,
    customer_id: CustomerId,
    username: String,
    display_name: String,
    program_id: Option<ProgramId>,
    program: Option<String>,
    amount_minor: i64,
    currency: String,
    status: RequestStatus,
    note: String,
    decision_note: String,
    void_reason: Option<String>,
    created_at: String,
    open_payout: Option<PayoutId>,
}

pub(crate) const SELECT_REQUEST: &str = "
    SELECT r.id, r.customer_id, c.username, c.display_name, r.program_id, g.name AS program, r.amount_minor,
           r.currency, r.status, r.note, r.decision_note, r.void_reason, r.created_at,
           r.open_payout_id AS open_payout
      FROM incentive_requests r
      JOIN customers c ON c.id = r.customer_id
      LEFT JOIN incentive_programs g ON g.id = r.program_id";

async fn fetch_request<'e>(
    executor: impl Executor<'e, Database = Sqlite>,
    id: RequestId,
) -> Result<Request> {
    let row: RequestRow = sqlx::query_as(&format!("{SELECT_REQUEST} WHERE r.id = ?"))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or_else(|| not_found(id))?;
    row.try_into()
}

impl TryFrom<RequestRow> for Request {
    type Error = Error;
    fn try_from(row: RequestRow) -> Result<Request> {
        Ok(Request {
            number: row.id.to_string(),
            id: row.id,
            customer_id: row.customer_id,
            username: row.username,
            display_name: row.display_name,
            program_id: row.program_id,
            program: row.program,
            amount: Money::stored(row.amount_minor, &row.currency)?,
            status: row.status,
            note: row.note,
            decision_note: row.decision_note,
            void_reason: row.void_reason,
            created_at: row.created_at,
            open_payout: row.open_payout,
        })
    }
}

impl RequestInput {
    /// A request of `amount` (decimal text) in `currency` for `customer_id`, without a program
    /// or a note.
    pub fn new(customer_id: CustomerId, amount: &str, currency: &str) -> RequestInput {
        RequestInput {
            customer_id,
            program_id: None,
            amount: amount.to_owned(),
            currency: currency.to_owned(),
            note: String::new(),
        }
    }
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestFilter {
    #[default]
    All,
    Pending,
    Approved,
    Rejected,
    Voided,
    /// Approved and without an open payout (one neither Failed nor Cancelled): what "Add
    /// cashback payout" offers.
    Payable,
}

impl RequestFilter {
    /// Its SQL condition on `incentive_requests r`.
    fn condition(self) -> &'static str {
        match self {
            RequestFilter::All => "1",
            RequestFilter::Pending => "r.status = 'pending'",
            RequestFilter::Approved => "r.status = 'approved'",
            RequestFilter::Rejected => "r.status = 'rejected'",
            RequestFilter::Voided => "r.status = 'voided'",
            // Kept by triggers (migration 0007), read from a partial index.
            RequestFilter::Payable => "r.status = 'approved' AND r.open_payout_id IS NULL",
        }
    }

    /// Its rows of `request_totals` (migration 0017).
    fn totals(self) -> &'static str {
        match self {
            RequestFilter::All => "kind <> 'payable'",
            RequestFilter::Pending => "kind = 'pending'",
            RequestFilter::Approved => "kind = 'approved'",
            RequestFilter::Rejected => "kind = 'rejected'",
            RequestFilter::Voided => "kind = 'voided'",
            RequestFilter::Payable => "kind = 'payable'",
        }
    }

    /// Its code in the request search index's `state` column (migration 0019).
    fn index_code(self) -> Option<&'static str> {
        match self {
            RequestFilter::All => None,
            RequestFilter::Pending => Some(status_code(RequestStatus::Pending)),
            RequestFilter::Approved => Some(status_code(RequestStatus::Approved)),
            RequestFilter::Rejected => Some(status_code(RequestStatus::Rejected)),
            RequestFilter::Voided => Some(status_code(RequestStatus::Voided)),
            RequestFilter::Payable => Some(PAYABLE_CODE),
        }
    }
}

/// Adds a pending request in `tx`, with its creation event (the caller commits), remembering
/// `key` as the create attempt's.
pub(crate) async fn insert(
    tx: &mut WriteTx<'_>,
    customer_id: CustomerId,
    program_id: Option<ProgramId>,
    money: Money,
    note: &str,
    key: Option<&str>,
) -> Result<RequestId> {
    let customer: Option<CustomerId> = sqlx::query_scalar("SELECT id FROM customers WHERE id = ?")
        .bind(customer_id)
        .fetch_optional(tx.conn())
        .await?;
    if customer.is_none() {
        return Err(Error::validation("customer_id", "Choose a customer."));
    }
    if let Some(program_id) = program_id {
        check_program(tx.conn(), program_id).await?;
    }
    let at = tx.at();
    let id: RequestId = sqlx::query_scalar(
            "INSERT INTO incentive_requests (uuid, customer_id, program_id, amount_minor, currency, note, created_at,
                                             updated_at, idempotency_key)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(customer_id)
        .bind(program_id)
        .bind(money.minor())
        .bind(money.currency().code())
        .bind(note)
        .bind(&at)
        .bind(&at)
        .bind(key)
        .fetch_one(tx.conn())
        .await?;
    let diff = Diff::new()
        .created("customer", customer_id.to_string())
        .created("program", program_id.map(|p| p.to_string()))
        .created("amount", money.to_string())
        .created("status", RequestStatus::Pending)
        .created("note", note);
    tx.record(Event {
        action: Action::Create,
        record: Record::Request(id),
        diff,
        note: "",
    })
    .await?;
    Ok(id)
}

/// Moves a pending request (now `status`) to `new`, approved or rejected, with its event (the
/// caller commits).
pub(crate) async fn record_decision(
    tx: &mut WriteTx<'_>,
    id: RequestId,
    status: RequestStatus,
    new: RequestStatus,
    note: &str,
) -> Result<()> {
    let at = tx.at();
    sqlx::query("UPDATE incentive_requests SET status = ?, decision_note = ?, decided_at = ?, updated_at = ? WHERE id = ?")
            .bind(new)
            .bind(note)
            .bind(&at)
            .bind(&at)
            .bind(id)
            .execute(tx.conn())
            .await?;
    let action = if new == RequestStatus::Approved {
        Action::Approve
    } else {
        Action::Reject
    };
    let diff = Diff::new().field("status", status, new);
    tx.record(Event {
        action,
        record: Record::Request(id),
        diff,
        note,
    })
    .await?;
    Ok(())
}

impl Ledger {
    pub async fn add_request(&self, origin: &Origin, input: &RequestInput) -> Result<Request> {
        self.add_request_once(origin, input, None).await
    }

    /// [`Ledger::add_request`] as one attempt of a create that may be retried (see
    /// [`crate::retries`]).
    pub async fn add_request_once(
        &self,
        origin: &Origin,
        input: &RequestInput,
        key: Option<&str>,
    ) -> Result<Request> {
        let money = Money::positive(&input.amount, &input.currency)?;
        let note =
            text::optional("note", "Note", &input.note, 2000, Lines::Many)?.unwrap_or_default();
        let key = attempt_key(key)?;
        let mut tx = self.begin_write(origin).await?;
        if let Some(id) = tx.made_before(Made::Request, key.as_deref()).await? {
            return self.request(RequestId(id)).await;
        }
        let id = insert(
            &mut tx,
            input.customer_id,
            input.program_id,
            money,
            &note,
            key.as_deref(),
        )
        .await?;
        tx.commit().await?;
        self.request(id).await
    }

    /// Approves or rejects a pending request; a decided request stays decided.
    pub async fn decide_request(
        &self,
        origin: &Origin,
        id: RequestId,
        decision: Decision,
        note: &str,
    ) -> Result<Request> {
        let note = text::optional("note", "Reason", note, 2000, Lines::Many)?.unwrap_or_default();
        if decision == Decision::Reject && note.is_empty() {
            return Err(Error::validation(
                "note",
                "Say why the request is rejected.",
            ));
        }
        let mut tx = self.begin_write(origin).await?;
        let status: RequestStatus =
            sqlx::query_scalar("SELECT status FROM incentive_requests WHERE id = ?")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| not_found(id))?;
        undecided(id, status)?;
        let new = match decision {
            Decision::Approve => RequestStatus::Approved,
            Decision::Reject => RequestStatus::Rejected,
        };
        record_decision(&mut tx, id, status, new, &note).await?;
        tx.commit().await?;
        self.request(id).await
    }

    /// Voids an approved request that no payout stands for (none made, or each Failed or
    /// Cancelled), with a reason: it will never be paid, leaves the payable list and the
    /// totals owed, and stays in the book. Its Failed payouts can no longer be retried.
    pub async fn void_request(
        &self,
        origin: &Origin,
        id: RequestId,
        reason: &str,
    ) -> Result<Request> {
        let Some(reason) = text::optional("reason", "Reason", reason, 2000, Lines::Many)? else {
            return Err(Error::validation(
                "reason",
                "Say why the request will never be paid.",
            ));
        };
        let mut tx = self.begin_write(origin).await?;
        let (status, open): (RequestStatus, Option<PayoutId>) =
            sqlx::query_as("SELECT status, open_payout_id FROM incentive_requests WHERE id = ?")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| not_found(id))?;
        if status != RequestStatus::Approved {
            return Err(Refusal::NotVoidable {
                request: id,
                was: status,
            }
            .into());
        }
        if let Some(payout) = open {
            return Err(Refusal::VoidWithOpenPayout {
                request: id,
                payout,
            }
            .into());
        }
        sqlx::query(
            "UPDATE incentive_requests SET status = 'voided', void_reason = ?, updated_at = ?
              WHERE id = ?",
        )
        .bind(&reason)
        .bind(tx.at())
        .bind(id)
        .execute(tx.conn())
        .await?;
        tx.commit_with(Event {
            action: Action::Void,
            record: Record::Request(id),
            diff: Diff::new().field("status", status, RequestStatus::Voided),
            note: &reason,
        })
        .await?;
        self.request(id).await
    }

    /// Corrects the amount of a request (pending or approved) that no payout was made for yet,
    /// in its currency, with a note saying why; audited old → new. Once a payout exists, even
    /// a Failed one, the amount stays what the payout copied.
    pub async fn correct_request_amount(
        &self,
        origin: &Origin,
        id: RequestId,
        amount: &str,
        note: &str,
    ) -> Result<Request> {
        let note = text::optional("note", "Reason", note, 2000, Lines::Many)?.unwrap_or_default();
        if note.is_empty() {
            return Err(Error::validation("note", "Say why the amount changes."));
        }
        let mut tx = self.begin_write(origin).await?;
        let (status, amount_minor, currency): (RequestStatus, i64, String) = sqlx::query_as(
            "SELECT status, amount_minor, currency FROM incentive_requests WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| not_found(id))?;
        match status {
            RequestStatus::Rejected => return Err(Refusal::RequestRejected(id).into()),
            RequestStatus::Voided => return Err(Refusal::RequestVoided(id).into()),
            RequestStatus::Pending | RequestStatus::Approved => {}
        }
        let payout: Option<PayoutId> =
            sqlx::query_scalar("SELECT id FROM payouts WHERE request_id = ? ORDER BY id LIMIT 1")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?;
        if let Some(payout) = payout {
            return Err(Refusal::AmountFixedByPayout {
                request: id,
                payout,
            }
            .into());
        }
        let (old, new) = (
            Money::stored(amount_minor, &currency)?,
            Money::positive(amount, &currency)?,
        );
        if old == new {
            drop(tx);
            return self.request(id).await;
        }
        sqlx::query("UPDATE incentive_requests SET amount_minor = ?, updated_at = ? WHERE id = ?")
            .bind(new.minor())
            .bind(tx.at())
            .bind(id)
            .execute(tx.conn())
            .await?;
        tx.commit_with(Event {
            action: Action::Update,
            record: Record::Request(id),
            diff: Diff::new().field("amount", old.to_string(), new.to_string()),
            note: &note,
        })
        .await?;
        self.request(id).await
    }

    /// Edits a pending request's program and note, audited old → new; a decided request keeps
    /// what it was decided on (its amount is corrected with [`Ledger::correct_request_amount`]).
    pub async fn edit_request(
        &self,
        origin: &Origin,
        id: RequestId,
        edit: &RequestEdit,
    ) -> Result<Request> {
        let note =
            text::optional("note", "Note", &edit.note, 2000, Lines::Many)?.unwrap_or_default();
        let mut tx = self.begin_write(origin).await?;
        let (status, program_id, old_note): (RequestStatus, Option<ProgramId>, String) =
            sqlx::query_as("SELECT status, program_id, note FROM incentive_requests WHERE id = ?")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| not_found(id))?;
        undecided(id, status)?;
        if edit.program_id != program_id {
            if let Some(program) = edit.program_id {
                check_program(tx.conn(), program).await?;
            }
        }
        let diff = Diff::new()
            .field(
                "program",
                program_id.map(|p| p.to_string()),
                edit.program_id.map(|p| p.to_string()),
            )
            .field("note", &old_note, &note);
        if diff.is_empty() {
            drop(tx);
            return self.request(id).await;
        }
        sqlx::query(
            "UPDATE incentive_requests SET program_id = ?, note = ?, updated_at = ? WHERE id = ?",
        )
        .bind(edit.program_id)
        .bind(&note)
        .bind(tx.at())
        .bind(id)
        .execute(tx.conn())
        .await?;
        tx.commit_with(Event {
            action: Action::Update,
            record: Record::Request(id),
            diff,
            note: "",
        })
        .await?;
        self.request(id).await
    }

    pub async fn request(&self, id: RequestId) -> Result<Request> {
        fetch_request(&self.reader, id).await
    }

    /// [`Ledger::request`] inside a write transaction.
    pub(crate) async fn request_in(
        &self,
        conn: &mut SqliteConnection,
        id: RequestId,
    ) -> Result<Request> {
        fetch_request(conn, id).await
    }

    /// A customer's latest `limit` requests, newest first.
    pub async fn customer_requests(
        &self,
        customer_id: CustomerId,
        limit: i64,
    ) -> Result<Vec<Request>> {
        let rows: Vec<RequestRow> = sqlx::query_as(&format!(
            "{SELECT_REQUEST} WHERE r.customer_id = ? ORDER BY r.id DESC LIMIT ?"
        ))
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(Request::try_from).collect()
    }

    /// Requests matching `search`, newest first: a request number is looked up, other text is
    /// searched word by word in the request search index (number, username, name, note).
    pub async fn list_requests(
        &self,
        search: &str,
        filter: RequestFilter,
        page: PageRequest,
    ) -> Result<RequestList> {
        let page = page.checked()?;
        let search = search.trim();
        let status = filter.condition();
        let mut search_hint = short_words_hint(search);
        // The requests shown, as `FROM … WHERE …` with ?1 bound to the number or the words
        // (none when every request of the filter is shown: its total is kept), and the column
        // that orders them.
        let (rows, by, bound) = if let Ok(number) = search.parse::<RequestId>() {
            search_hint = None;
            let rows = format!("FROM incentive_requests r WHERE {status} AND r.id = ?1");
            (rows, "r.id", Some(number.0.to_string()))
        } else if let Some(words) = match_expression(search) {
            if !self.search_index_ready(Index::Requests).await? {
                search_hint = Some(READ_ONLY_BEHIND.to_owned());
            }
            // The index hands its matches in rowid (= request id) order, the filter with them.
            let words = match filter.index_code() {
                None => format!("body : ({words})"),
                Some(code) => format!("body : ({words}) AND state : \"{code}\""),
            };
            let rows = "FROM request_search WHERE request_search MATCH ?1".to_owned();
            (rows, "rowid", Some(words))
        } else {
            (
                format!("FROM incentive_requests r WHERE {status}"),
                "r.id",
                None,
            )
        };
        let (total, total_exact) = if bound.is_none() {
            let kinds = filter.totals();
            let total: i64 = sqlx::query_scalar(&format!(
                "SELECT IFNULL(SUM(n), 0) FROM request_totals WHERE {kinds}"
            ))
            .fetch_one(&self.reader)
            .await?;
            (total, true)
        } else {
            let counted: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM (SELECT 1 {rows} LIMIT {})",
                COUNT_CAP + 1
            ))
            .bind(&bound)
            .fetch_one(&self.reader)
            .await?;
            (counted.min(COUNT_CAP), counted <= COUNT_CAP)
        };
        // A page in the back half of an exact total is read from the other end, so no page
        // skips more than half.
        let offset = page.offset();
        let (order, offset, limit) = if total_exact && offset > total / 2 && offset < total {
            let end = (offset + page.page_size).min(total);
            ("ASC", total - end, end - offset)
        } else {
            ("DESC", offset, page.page_size)
        };
        let found: Vec<RequestRow> = sqlx::query_as(&format!(
            "{SELECT_REQUEST} WHERE r.id IN (SELECT {by} {rows} ORDER BY {by} {order} LIMIT ?2 OFFSET ?3)
             ORDER BY r.id DESC"
        ))
        .bind(&bound)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await?;
        let items = found
            .into_iter()
            .map(Request::try_from)
            .collect::<Result<_>>()?;
        Ok(RequestList {
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
}

/// A page of the request list.
#[derive(Debug, Clone, Serialize)]
pub struct RequestList {
    #[serde(flatten)]
    pub page: Page<Request>,
    /// False when `total` is a lower bound: a search is counted up to [`COUNT_CAP`].
    pub total_exact: bool,
    /// Set when words of the search were too short to look up, or the index lags in a book
    /// open read-only.
    pub search_hint: Option<String>,
}

fn not_found(id: RequestId) -> Error {
    Error::NotFound(format!("There is no request {id}."))
}

/// Refuses to change a request that was decided: what it was decided on stays.
fn undecided(id: RequestId, status: RequestStatus) -> Result<()> {
    match status {
        RequestStatus::Pending => Ok(()),
        was => Err(Refusal::DecisionFinal { request: id, was }.into()),
    }
}

/// Refuses a program that is not in the list a request may choose from (unknown or archived).
async fn check_program(conn: &mut SqliteConnection, id: ProgramId) -> Result<()> {
    let exists: Option<ProgramId> = sqlx::query_scalar(
        "SELECT id FROM incentive_programs WHERE id = ? AND archived_at IS NULL",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    match exists {
        Some(_) => Ok(()),
        None => Err(Error::validation(
            "program_id",
            "Choose a program from the list.",
        )),
    }
}
