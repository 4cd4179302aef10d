//! Customers: the people payouts are owed to. A username is unique without regard to case or
//! Unicode normal form.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{Action, Diff, Event, Origin, Record, WriteTx};
use crate::error::{Error, Result};
use crate::ids::CustomerId;
use crate::refusal::Refusal;
use crate::retries::{attempt_key, Made};
use crate::text::{self, Lines};
use crate::{like_pattern, Ledger, Page, PageRequest};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CustomerInput {
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: CustomerId,
    /// "CU-000001"
    pub number: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub created_at: String,
    /// Active (not archived) payment accounts.
    pub account_count: i64,
}

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: CustomerId,
    username: String,
    display_name: String,
    email: Option<String>,
    created_at: String,
    account_count: i64,
}

impl From<CustomerRow> for Customer {
    fn from(row: CustomerRow) -> Customer {
        Customer {
            number: row.id.to_string(),
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            email: row.email,
            created_at: row.created_at,
            account_count: row.account_count,
        }
    }
}

const SELECT_CUSTOMER: &str = "
    SELECT c.id, c.username, c.display_name, c.email, c.created_at,
           (SELECT COUNT(*) FROM payment_accounts a
             WHERE a.customer_id = c.id AND a.archived_at IS NULL) AS account_count
      FROM customers c";

/// A customer as typed, checked and normalised.
pub(crate) struct CleanCustomer {
    pub(crate) username: String,
    /// What makes two usernames the same (see [`text::compare_key`]).
    pub(crate) username_key: String,
    pub(crate) display_name: String,
    email: Option<String>,
}

pub(crate) fn clean(input: &CustomerInput) -> Result<CleanCustomer> {
    let username = text::required("username", "Username", &input.username, 64, Lines::One)?;
    if username.contains(char::is_whitespace) {
        return Err(Error::validation("username", "A username has no spaces."));
    }
    let display_name =
        text::required("display_name", "Name", &input.display_name, 200, Lines::One)?;
    let email = text::optional("email", "E-mail", &input.email, 254, Lines::One)?;
    if let Some(email) = &email {
        if !text::is_email(email) {
            return Err(Error::validation(
                "email",
                "This is not an e-mail address, such as name@example.com.",
            ));
        }
    }
    Ok(CleanCustomer {
        username_key: text::compare_key(&username),
        username,
        display_name,
        email,
    })
}

/// Adds the customer `c` in `tx`, with its creation event (the caller commits), remembering
/// `key` as the create attempt's; refused when another customer has the username.
pub(crate) async fn insert(
    tx: &mut WriteTx<'_>,
    c: &CleanCustomer,
    key: Option<&str>,
) -> Result<CustomerId> {
    let taken: Option<String> =
        sqlx::query_scalar("SELECT username FROM customers WHERE username_key = ?")
            .bind(&c.username_key)
            .fetch_optional(tx.conn())
            .await?;
    if let Some(taken) = taken {
        return Err(Refusal::UsernameTaken(taken).into());
    }
    let at = tx.at();
    let id: CustomerId = sqlx::query_scalar(
            "INSERT INTO customers (uuid, username, username_key, display_name, email, created_at, updated_at,
                                    idempotency_key)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(&c.username)
        .bind(&c.username_key)
        .bind(&c.display_name)
        .bind(&c.email)
        .bind(&at)
        .bind(&at)
        .bind(key)
        .fetch_one(tx.conn())
        .await?;
    let diff = Diff::new()
        .created("username", &c.username)
        .created("display_name", &c.display_name)
        .created("email", &c.email);
    tx.record(Event {
        action: Action::Create,
        record: Record::Customer(id),
        diff,
        note: "",
    })
    .await?;
    Ok(id)
}

impl Ledger {
    pub async fn add_customer(&self, origin: &Origin, input: &CustomerInput) -> Result<Customer> {
        self.add_customer_once(origin, input, None).await
    }

    /// [`Ledger::add_customer`] as one attempt of a create that may be retried: a second call
    /// with the same `key` returns the customer the first made (see [`crate::retries`]).
    pub async fn add_customer_once(
        &self,
        origin: &Origin,
        input: &CustomerInput,
        key: Option<&str>,
    ) -> Result<Customer> {
        let c = clean(input)?;
        let key = attempt_key(key)?;
        let mut tx = self.begin_write(origin).await?;
        if let Some(id) = tx.made_before(Made::Customer, key.as_deref()).await? {
            return self.customer(CustomerId(id)).await;
        }
        let id = insert(&mut tx, &c, key.as_deref()).await?;
        tx.commit().await?;
        self.customer(id).await
    }

    /// Changes a customer's username, name or e-mail. Usernames stay unique.
    pub async fn edit_customer(
        &self,
        origin: &Origin,
        id: CustomerId,
        input: &CustomerInput,
    ) -> Result<Customer> {
        let c = clean(input)?;
        let mut tx = self.begin_write(origin).await?;
        let old: Option<(String, String, Option<String>)> =
            sqlx::query_as("SELECT username, display_name, email FROM customers WHERE id = ?")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?;
        let Some((username, display_name, email)) = old else {
            return Err(not_found(id));
        };
        let taken: Option<String> =
            sqlx::query_scalar("SELECT username FROM customers WHERE username_key = ? AND id <> ?")
                .bind(&c.username_key)
                .bind(id)
                .fetch_optional(tx.conn())
                .await?;
        if let Some(taken) = taken {
            return Err(Error::validation(
                "username",
                format!("The username {taken} is already taken."),
            ));
        }
        let diff = Diff::new()
            .field("username", &username, &c.username)
            .field("display_name", &display_name, &c.display_name)
            .field("email", &email, &c.email);
        if diff.is_empty() {
            return self.customer(id).await;
        }
        let at = tx.at();
        sqlx::query(
            "UPDATE customers SET username = ?, username_key = ?, display_name = ?, email = ?,
                                  updated_at = ?
              WHERE id = ?",
        )
        .bind(&c.username)
        .bind(&c.username_key)
        .bind(&c.display_name)
        .bind(&c.email)
        .bind(&at)
        .bind(id)
        .execute(tx.conn())
        .await?;
        tx.commit_with(Event {
            action: Action::Update,
            record: Record::Customer(id),
            diff,
            note: "",
        })
        .await?;
        self.customer(id).await
    }

    pub async fn customer(&self, id: CustomerId) -> Result<Customer> {
        sqlx::query_as::<_, CustomerRow>(&format!("{SELECT_CUSTOMER} WHERE c.id = ?"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .map(Customer::from)
            .ok_or_else(|| not_found(id))
    }

    /// Customers whose username, name or e-mail contains `search`, by username.
    pub async fn list_customers(&self, search: &str, page: PageRequest) -> Result<Page<Customer>> {
        let page = page.checked()?;
        let search = search.trim();
        let pattern = like_pattern(search);
        let filter = "WHERE c.username LIKE ?1 ESCAPE '\\' OR c.display_name LIKE ?1 ESCAPE '\\'
                         OR c.email LIKE ?1 ESCAPE '\\'";
        // Without a search the usernames' index alone is counted and paged (it holds the ids);
        // a page in its back half is read from the other end, so no page skips more than half.
        let (filter, total): (&str, i64) = if search.is_empty() {
            let total = sqlx::query_scalar("SELECT COUNT(*) FROM customers")
                .fetch_one(&self.reader)
                .await?;
            ("", total)
        } else {
            let total = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM customers c {filter}"))
                .bind(&pattern)
                .fetch_one(&self.reader)
                .await?;
            (filter, total)
        };
        let offset = page.offset();
        let (order, offset, limit) = if offset > total / 2 && offset < total {
            let end = (offset + page.page_size).min(total);
            ("DESC", total - end, end - offset)
        } else {
            ("ASC", offset, page.page_size)
        };
        let items = sqlx::query_as::<_, CustomerRow>(&format!(
            "{SELECT_CUSTOMER} WHERE c.id IN (SELECT c.id FROM customers c {filter}
                                              ORDER BY c.username_key {order} LIMIT ?2 OFFSET ?3)
             ORDER BY c.username_key"
        ))
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await?;
        Ok(Page {
            items: items.into_iter().map(Customer::from).collect(),
            total,
            page: page.page,
            page_size: page.page_size,
        })
    }
}

pub(crate) fn not_found(id: CustomerId) -> Error {
    Error::NotFound(format!("There is no customer {id}."))
}
