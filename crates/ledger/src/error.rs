//! The ledger's one error type.
//!
//! Kinds exist only where the UI branches on them (docs/ARCHITECTURE.md, rule 3). Storage and IO
//! details are logged here, at the boundary, and never shown raw: the user gets a sentence that
//! says what happened and what to do.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::refusal::Refusal;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input; `field` names the form field the message belongs next to.
    #[error("{message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    /// A domain rule says no; the refusal carries its own kind, field and code.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A file that is not UTF-8 text where UTF-8 is required; the UI may offer another
    /// encoding.
    #[error("{0}")]
    NotUtf8(String),
    /// A statement whose every date reads two ways (day or month first): the user says which.
    #[error("{0}")]
    AmbiguousDates(String),
    #[error("{0}")]
    NotFound(String),
    /// A duplicate, or a move the current state does not allow.
    #[error("{0}")]
    Conflict(String),
    /// Something else must happen first (a payment account, an approval).
    #[error("{0}")]
    Precondition(String),
    /// Another program holds the database's write lock for longer than the busy timeout.
    #[error("The book is busy in another window or program. Try again in a moment.")]
    Busy,
    /// The user stopped long work; nothing of it was kept.
    #[error("Cancelled; nothing was written.")]
    Cancelled,
    /// The database file cannot be read or written; the cause is in the log.
    #[error("{0}")]
    Storage(String),
}

impl Error {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Error::Validation {
            field,
            message: message.into(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Error::Validation { .. } | Error::NotUtf8(_) | Error::AmbiguousDates(_) => "validation",
            Error::Refused(refusal) => refusal.kind(),
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Precondition(_) => "precondition",
            Error::Busy => "busy",
            Error::Cancelled => "cancelled",
            Error::Storage(_) => "storage",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Validation { field, .. } => Some(field),
            Error::NotUtf8(_) => Some("file"),
            Error::AmbiguousDates(_) => Some("date_order"),
            Error::Refused(refusal) => refusal.field(),
            _ => None,
        }
    }

    /// A stable name for the reason, where a caller branches on it.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::Refused(refusal) => Some(refusal.code()),
            Error::NotUtf8(_) => Some("not_utf8"),
            Error::AmbiguousDates(_) => Some("ambiguous_dates"),
            _ => None,
        }
    }
}

/// The primary SQLite result code of a database error (`SQLITE_FULL` is 13), if it is one.
fn sqlite_code(err: &sqlx::Error) -> Option<i32> {
    match err {
        sqlx::Error::Database(db) => db.code()?.parse::<i32>().ok().map(|c| c & 0xff),
        _ => None,
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another connection holds the lock.
        if matches!(sqlite_code(&err), Some(5 | 6)) || matches!(err, sqlx::Error::PoolTimedOut) {
            return Error::Busy;
        }
        tracing::error!(error = %err, "database error");
        Error::Storage(storage_message(&err))
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        tracing::error!(error = %err, "migration failed");
        Error::Storage(format!(
            "The book could not be brought up to date ({err}). Nothing was changed; restore a backup or use a newer version of the app."
        ))
    }
}

/// What a failed read or write means for the user, by SQLite's result code (or the I/O error's
/// kind), never by the driver's wording.
fn storage_message(err: &sqlx::Error) -> String {
    let io_kind = match err {
        sqlx::Error::Io(io) => Some(io.kind()),
        _ => None,
    };
    match (sqlite_code(err), io_kind) {
        // SQLITE_FULL
        (Some(13), _) | (_, Some(std::io::ErrorKind::StorageFull)) => {
            "The disk is full, so nothing was saved. Free some space and try again.".into()
        }
        // SQLITE_READONLY
        (Some(8), _) | (_, Some(std::io::ErrorKind::ReadOnlyFilesystem)) => {
            "The book is read-only here, so nothing was saved. Check the file's permissions.".into()
        }
        // SQLITE_CORRUPT, SQLITE_NOTADB
        (Some(11 | 26), _) => "The book's file is damaged. Restore it from a backup.".into(),
        _ => "The book could not be read or written. Nothing was changed; the details are in the log."
            .into(),
    }
}

/// `{ "kind": "...", "message": "...", "field": "..."?, "code": "..."? }`, the shape the UI
/// reads.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (field, code) = (self.field(), self.code());
        let len = 2 + usize::from(field.is_some()) + usize::from(code.is_some());
        let mut s = serializer.serialize_struct("Error", len)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        if let Some(field) = field {
            s.serialize_field("field", field)?;
        }
        if let Some(code) = code {
            s.serialize_field("code", code)?;
        }
        s.end()
    }
}
