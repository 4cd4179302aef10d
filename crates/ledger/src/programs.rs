//! Incentive programs: named reasons for paying (a referral bonus, a spring cashback), with an
//! optional default reward that a new request starts from. Names are unique without regard to
//! case; a program is archived, never deleted, so old requests keep their program.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{Action, Diff, Event, Origin, Record};
use crate::error::{Error, Result};
use crate::ids::ProgramId;
use crate::money::Money;
use crate::refusal::Refusal;
use crate::retries::{attempt_key, Made};
use crate::text::{self, Lines};
use crate::Ledger;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProgramInput {
    pub name: String,
    /// Decimal text; empty for no default reward.
    #[serde(default)]
    pub default_reward: String,
    #[serde(default)]
    pub currency: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub id: ProgramId,
    /// "PG-000001"
    pub number: String,
    pub name: String,
    pub default_reward: Option<Money>,
    pub archived: bool,
    pub request_count: i64,
}

#[derive(sqlx::FromRow)]
struct ProgramRow {
    id: ProgramId,
    name: String,
    default_reward_minor: Option<i64>,
    default_currency: Option<String>,
    archived_at: Option<String>,
    request_count: i64,
}

const SELECT_PROGRAM: &str = "
    SELECT g.id, g.name, g.default_reward_minor, g.default_currency, g.archived_at,
           (SELECT COUNT(*) FROM incentive_requests r WHERE r.program_id = g.id) AS request_count
      FROM incentive_programs g";

impl TryFrom<ProgramRow> for Program {
    type Error = Error;
    fn try_from(row: ProgramRow) -> Result<Program> {
        let default_reward = match (row.default_reward_minor, &row.default_currency) {
            (Some(minor), Some(currency)) => Some(Money::stored(minor, currency)?),
            _ => None,
        };
        Ok(Program {
            number: row.id.to_string(),
            id: row.id,
            name: row.name,
            default_reward,
            archived: row.archived_at.is_some(),
            request_count: row.request_count,
        })
    }
}

struct Clean {
    name: String,
    name_key: String,
    reward: Option<Money>,
}

fn clean(input: &ProgramInput) -> Result<Clean> {
    let name = text::required("name", "Name", &input.name, 120, Lines::One)?;
    let reward = match input.default_reward.trim() {
        "" => None,
        amount => Some(
            Money::positive(amount, &input.currency).map_err(|e| match e {
                Error::Validation {
                    field: "amount",
                    message,
                } => Error::validation("default_reward", message),
                other => other,
            })?,
        ),
    };
    Ok(Clean {
        name_key: text::compare_key(&name),
        name,
        reward,
    })
}

impl Ledger {
    pub async fn add_program(&self, origin: &Origin, input: &ProgramInput) -> Result<Program> {
        self.add_program_once(origin, input, None).await
    }

    /// [`Ledger::add_program`] as one attempt of a create that may be retried (see
    /// [`crate::retries`]).
    pub async fn add_program_once(
        &self,
        origin: &Origin,
        input: &ProgramInput,
        key: Option<&str>,
    ) -> Result<Program> {
        let p = clean(input)?;
        let key = attempt_key(key)?;
        let mut tx = self.begin_write(origin).await?;
        if let Some(id) = tx.made_before(Made::Program, key.as_deref()).await? {
            return self.program(ProgramId(id)).await;
        }
        name_is_free(tx.conn(), &p.name_key, None).await?;
        let at = tx.at();
        let id: ProgramId = sqlx::query_scalar(
            "INSERT INTO incentive_programs (uuid, name, name_key, default_reward_minor, default_currency,
                                             created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(&p.name)
        .bind(&p.name_key)
        .bind(p.reward.map(|m| m.minor()))
        .bind(p.reward.map(|m| m.currency().code()))
        .bind(&at)
        .bind(&at)
        .fetch_one(tx.conn())
        .await?;
        tx.remember_attempt(Made::Program, id.0, key.as_deref())
            .await?;
        let diff = Diff::new()
            .created("name", &p.name)
            .created("default_reward", p.reward.map(|m| m.to_string()));
        tx.commit_with(Event {
            action: Action::Create,
            record: Record::Program(id),
            diff,
            note: "",
        })
        .await?;
        self.program(id).await
    }

    pub async fn edit_program(
        &self,
        origin: &Origin,
        id: ProgramId,
        input: &ProgramInput,
    ) -> Result<Program> {
        let p = clean(input)?;
        let mut tx = self.begin_write(origin).await?;
        // Read inside the write lock, so the event's old values are the ones replaced.
        let old = fetch_program(tx.conn(), id).await?;
        name_is_free(tx.conn(), &p.name_key, Some(id)).await?;
        let diff = Diff::new().field("name", &old.name, &p.name).field(
            "default_reward",
            old.default_reward.map(|m| m.to_string()),
            p.reward.map(|m| m.to_string()),
        );
        if diff.is_empty() {
            return Ok(old);
        }
        let at = tx.at();
        sqlx::query(
            "UPDATE incentive_programs
                SET name = ?, name_key = ?, default_reward_minor = ?, default_currency = ?, updated_at = ?
              WHERE id = ?",
        )
        .bind(&p.name)
        .bind(&p.name_key)
        .bind(p.reward.map(|m| m.minor()))
        .bind(p.reward.map(|m| m.currency().code()))
        .bind(&at)
        .bind(id)
        .execute(tx.conn())
        .await?;
        tx.commit_with(Event {
            action: Action::Update,
            record: Record::Program(id),
            diff,
            note: "",
        })
        .await?;
        self.program(id).await
    }

    /// Archives a program: its requests keep it, new requests cannot choose it.
    pub async fn archive_program(&self, origin: &Origin, id: ProgramId) -> Result<Program> {
        let mut tx = self.begin_write(origin).await?;
        let old = fetch_program(tx.conn(), id).await?;
        if old.archived {
            return Err(Refusal::ProgramAlreadyArchived(old.name).into());
        }
        let at = tx.at();
        sqlx::query("UPDATE incentive_programs SET archived_at = ?, updated_at = ? WHERE id = ?")
            .bind(&at)
            .bind(&at)
            .bind(id)
            .execute(tx.conn())
            .await?;
        tx.commit_with(Event {
            action: Action::Archive,
            record: Record::Program(id),
            diff: Diff::new().field("archived", false, true),
            note: "",
        })
        .await?;
        self.program(id).await
    }

    pub async fn program(&self, id: ProgramId) -> Result<Program> {
        fetch_program(&mut *self.reader.acquire().await?, id).await
    }

    /// Programs by name; archived ones only when asked.
    pub async fn list_programs(&self, include_archived: bool) -> Result<Vec<Program>> {
        let rows: Vec<ProgramRow> = sqlx::query_as(&format!(
            "{SELECT_PROGRAM} WHERE ? OR g.archived_at IS NULL ORDER BY g.archived_at IS NOT NULL, g.name_key"
        ))
        .bind(include_archived)
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(Program::try_from).collect()
    }
}

async fn name_is_free(
    conn: &mut sqlx::SqliteConnection,
    name_key: &str,
    except: Option<ProgramId>,
) -> Result<()> {
    let taken: Option<String> = sqlx::query_scalar(
        "SELECT name FROM incentive_programs WHERE name_key = ? AND id IS NOT ?",
    )
    .bind(name_key)
    .bind(except)
    .fetch_optional(conn)
    .await?;
    match taken {
        Some(name) => Err(Error::validation(
            "name",
            format!("There is already a program called {name}."),
        )),
        None => Ok(()),
    }
}

async fn fetch_program(conn: &mut sqlx::SqliteConnection, id: ProgramId) -> Result<Program> {
    let row: ProgramRow = sqlx::query_as(&format!("{SELECT_PROGRAM} WHERE g.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("There is no program {id}.")))?;
    row.try_into()
}
