//! Setting a statement line aside: a line that is no payout's (a supplier's payment, a move
//! between the owner's own accounts) is dismissed with a note, so the pool of open lines holds
//! only real work; a dismissed line can be brought back. Both are audited on the import.

use crate::audit::{Action, Diff, Event, Origin, Record};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::Ledger;

/// The longest note a dismissal keeps.
const MAX_NOTE_CHARS: usize = 500;

/// What a dismissal reads of a line.
#[derive(sqlx::FromRow)]
struct Line {
    import_id: i64,
    line_no: i64,
    confirmed: bool,
    dismissed_note: Option<String>,
}

impl Ledger {
    /// Sets the line aside with `note` (why it is no payout's): it leaves the open lines and
    /// cannot be confirmed until it is restored.
    pub async fn dismiss_statement_line(
        &self,
        origin: &Origin,
        line_id: i64,
        note: &str,
    ) -> Result<()> {
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::validation(
                "note",
                "Say why the line is set aside (\"a supplier's payment\").",
            ));
        }
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(Error::validation(
                "note",
                format!("Keep the note under {MAX_NOTE_CHARS} characters."),
            ));
        }
        let mut tx = self.begin_write(origin).await?;
        let line = line(tx.conn(), line_id).await?;
        if line.confirmed {
            return Err(Refusal::LineConfirmedBefore.into());
        }
        if line.dismissed_note.is_some() {
            return Err(Refusal::LineDismissed.into());
        }
        let at = tx.at();
        sqlx::query(
            "UPDATE statement_lines
                SET match_state = 'dismissed', dismissed_note = ?, dismissed_at = ?
              WHERE id = ?",
        )
        .bind(note)
        .bind(&at)
        .bind(line_id)
        .execute(tx.conn())
        .await?;
        sqlx::query("DELETE FROM statement_candidates WHERE line_id = ?")
            .bind(line_id)
            .execute(tx.conn())
            .await?;
        super::review::count_states(tx.conn(), line.import_id).await?;
        tx.commit_with(Event {
            action: Action::Dismiss,
            record: Record::StatementImport(line.import_id),
            diff: Diff::new().field("dismissed", None::<&str>, note),
            note: &format!("Statement line {} set aside.", line.line_no),
        })
        .await
    }

    /// Brings a dismissed line back among the open lines; it is matched again.
    pub async fn restore_statement_line(&self, origin: &Origin, line_id: i64) -> Result<()> {
        let mut tx = self.begin_write(origin).await?;
        let line = line(tx.conn(), line_id).await?;
        let Some(note) = line.dismissed_note else {
            return Err(Error::validation("line", "That line is not dismissed."));
        };
        sqlx::query(
            "UPDATE statement_lines
                SET match_state = NULL, dismissed_note = NULL, dismissed_at = NULL
              WHERE id = ?",
        )
        .bind(line_id)
        .execute(tx.conn())
        .await?;
        // Its import is decided again before its next review.
        sqlx::query("UPDATE statement_imports SET decided_generation = 0 WHERE id = ?")
            .bind(line.import_id)
            .execute(tx.conn())
            .await?;
        tx.commit_with(Event {
            action: Action::Dismiss,
            record: Record::StatementImport(line.import_id),
            diff: Diff::new().field("dismissed", &note, None::<&str>),
            note: &format!("Statement line {} brought back.", line.line_no),
        })
        .await
    }
}

async fn line(conn: &mut sqlx::SqliteConnection, line_id: i64) -> Result<Line> {
    sqlx::query_as(
        "SELECT import_id, line_no, payout_id IS NOT NULL AS confirmed, dismissed_note
           FROM statement_lines WHERE id = ?",
    )
    .bind(line_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("There is no statement line {line_id}.")))
}
