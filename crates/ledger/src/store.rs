//! Opening the book: one SQLite file, one writer connection and a few readers, with the
//! connection settings of docs/DATA.md applied in exactly one place.
//!
//! Invariants:
//! - every pooled connection runs with WAL, `synchronous=FULL` (and `fullfsync`, which macOS
//!   needs to mean it), `foreign_keys=ON`, `recursive_triggers=ON`, a busy timeout and reads
//!   through a memory map; readers are also `query_only`;
//! - the file is created only when the caller says so ([`Create::IfMissing`]);
//! - a database written by a newer app (a migration this build does not know) is refused;
//! - an existing book is backed up (a consistent copy, see `write_copy`) before any migration
//!   runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqlitePool};

use crate::chain::{Keying, TrustStore};
use crate::error::{Error, Result};
use crate::files::owner_only;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const READERS: u32 = 4;

/// Whether [`Ledger::open`] may create the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    IfMissing,
    Never,
}

/// The open book. Cheap to share: the pools are reference-counted.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    path: PathBuf,
    /// Held while any clone of an open book lives; `None` for a read-only ledger.
    _lock: Option<std::sync::Arc<crate::book_lock::BookLock>>,
    /// How new events are hashed (see [`crate::chain`]).
    pub(crate) keying: Keying,
    /// Where keys and anchors live, when the caller gave a place.
    pub(crate) trust: Option<TrustStore>,
}

impl Ledger {
    /// Opens (and with [`Create::IfMissing`], creates) the book at `path`, brings its schema up
    /// to date and checks that it is the book of this app. `now` names the pre-migration backup.
    pub async fn open(path: &Path, create: Create, now: DateTime<Utc>) -> Result<Ledger> {
        if !path.exists() && create == Create::Never {
            return Err(Error::NotFound(format!(
                "There is no book at {}. Restore a backup or choose another file.",
                path.display()
            )));
        }
        // A file that is not a book, or that its owner made read-only, is refused before
        // anything touches it: no WAL switch, no chmod, no migration.
        if path.exists() {
            preflight(path).await?;
            if !can_write(path) {
                return Err(Error::Precondition(format!(
                    "{} is read-only (the file or its folder cannot be written); it was left as it is.",
                    path.display()
                )));
            }
        }
        // Another window or program with this book open is refused before anything is touched.
        let lock = crate::book_lock::BookLock::take(path)?;
        let options = connect_options(path);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(BUSY_TIMEOUT * 2)
            .connect_with(
                options
                    .clone()
                    .create_if_missing(create == Create::IfMissing)
                    .pragma("cache_size", WRITER_CACHE),
            )
            .await
            .map_err(|e| open_error(path, e))?;
        owner_only(path)?;
        if check_is_our_book(&writer, path).await? {
            backup_before_migrations(&writer, path, now).await?;
        }
        crate::schema_steps::run(&writer).await?;
        // Marks the file as this app's, so another program's database is told apart unopened.
        sqlx::query(&format!("PRAGMA application_id = {APPLICATION_ID}"))
            .execute(&writer)
            .await?;
        crate::search_index::bring_up_to_date(&writer).await?;
        crate::search_index::catch_up(&writer).await?;
        crate::audit_search::catch_up(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(BUSY_TIMEOUT * 2)
            .connect_with(options.pragma("query_only", "ON"))
            .await
            .map_err(|e| open_error(path, e))?;
        let keying = match crate::chain::current_key_id(&writer).await? {
            Some(_) => Keying::Elsewhere,
            None => Keying::Plain,
        };
        Ok(Ledger {
            writer,
            reader,
            path: path.to_owned(),
            _lock: Some(std::sync::Arc::new(lock)),
            keying,
            trust: None,
        })
    }

    /// [`Ledger::open`], with the chain keyed by a key from `trust`: the book's current key
    /// when the folder holds it, else a new one, saved there first and started by a `key`
    /// event (a book from before keys is upgraded so; one whose key is lost starts a new
    /// segment, and its older part reads as "cannot be checked here", never as tampered).
    pub async fn open_keyed(
        path: &Path,
        create: Create,
        now: DateTime<Utc>,
        trust: TrustStore,
    ) -> Result<Ledger> {
        let mut ledger = Ledger::open(path, create, now).await?;
        ledger.trust = Some(trust);
        ledger.take_key(now).await?;
        Ok(ledger)
    }

    /// The same ledger, reading keys and anchors from `trust` (for checks by tools that open
    /// a book read-only).
    pub fn with_trust(mut self, trust: TrustStore) -> Ledger {
        self.trust = Some(trust);
        self
    }

    /// Opens the book at `path` for reading only, for tools beside the app (the command-line
    /// program): nothing is created, migrated, backed up or written, and every connection is
    /// `query_only`. A book whose schema is not this build's is refused with what to do.
    pub async fn open_read_only(path: &Path) -> Result<Ledger> {
        if !path.is_file() {
            return Err(Error::NotFound(format!(
                "There is no book at {}.",
                path.display()
            )));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("query_only", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(BUSY_TIMEOUT * 2)
            .connect_with(options)
            .await
            .map_err(|e| open_error(path, e))?;
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&pool)
        .await
        .map_err(|e| open_error(path, e))?;
        let known: Vec<i64> = crate::schema_steps::versions().collect();
        if applied != known {
            let newer = applied.iter().any(|v| !known.contains(v));
            return Err(Error::Precondition(if newer {
                format!(
                    "{} was written by a newer version of Incentise Payouts; use that version.",
                    path.display()
                )
            } else {
                format!(
                    "{} is from an older version of Incentise Payouts: open it in the app once to bring it up to date.",
                    path.display()
                )
            }));
        }
        Ok(Ledger {
            writer: pool.clone(),
            reader: pool,
            path: path.to_owned(),
            _lock: None,
            keying: Keying::ReadOnly,
            trust: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this ledger may change the book (false for a read-only open).
    pub fn writable(&self) -> bool {
        !matches!(self.keying, Keying::ReadOnly)
    }

    /// Writes a consistent copy of the book at `source` to `target`, with what is still in the
    /// WAL. It reads through a connection of its own, opened read-only: in WAL mode the book
    /// stays writable while the copy is made. The copy is
    /// written under a temporary name (created 0600, empty, before the first byte), synced and
    /// renamed when complete, and removed if anything fails: no partial or empty backup ever
    /// carries a backup's name. Refuses to overwrite an existing file.
    pub(crate) async fn write_copy(source: &Path, target: &Path) -> Result<()> {
        if target.exists() {
            return Err(Error::Conflict(format!(
                "{} already exists; a backup never overwrites a file.",
                target.display()
            )));
        }
        let dir = target.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::files::io_error("create the folder", dir, e))?;
        let name = target.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            Error::validation("path", "The backup path must be valid Unicode text.")
        })?;
        let temp = dir.join(format!(".{name}.{}.partial", uuid::Uuid::now_v7()));
        let written = Ledger::copy_into_new(source, &temp).await.and_then(|()| {
            // A write handle: Windows refuses to flush a read-only one.
            std::fs::File::options()
                .write(true)
                .open(&temp)
                .and_then(|f| f.sync_all())
                .map_err(|e| crate::files::io_error("write", target, e))?;
            std::fs::rename(&temp, target)
                .map_err(|e| crate::files::io_error("write", target, e))?;
            crate::files::sync_dir(dir);
            Ok(())
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
            let _ = std::fs::remove_file(format!("{}-journal", temp.display()));
        }
        written
    }

    /// Copies the book at `source` into `temp`, a file that does not exist yet (created empty
    /// and 0600 first), with SQLite's online backup API on a thread of its own (see
    /// [`online_backup`]).
    async fn copy_into_new(source: &Path, temp: &Path) -> Result<()> {
        let mut options = std::fs::File::options();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(temp)
            .map_err(|e| crate::files::io_error("write", temp, e))?;
        owner_only(temp)?;
        let (from, to) = (source.to_owned(), temp.to_owned());
        tokio::task::spawn_blocking(move || online_backup(&from, &to))
            .await
            .map_err(|e| Error::Storage(format!("The backup stopped: {e}.")))?
    }

    /// Brings the search indexes up to date after a large change (see
    /// [`crate::search_index`]); the app calls it as it closes, so a book opened read-only next
    /// searches a whole index.
    pub async fn catch_up_search_indexes(&self) -> Result<()> {
        if !self.writable() {
            return Ok(());
        }
        crate::audit_search::catch_up(&self.writer).await?;
        crate::search_index::catch_up(&self.writer).await
    }

    /// Before a search in `index`: brings the lines a large change left up to date; false when
    /// they are behind and the book is open read-only.
    pub(crate) async fn search_index_ready(
        &self,
        index: crate::search_index::Index,
    ) -> Result<bool> {
        if !index.behind(&self.reader).await? {
            return Ok(true);
        }
        if !self.writable() {
            return Ok(false);
        }
        crate::search_index::catch_up(&self.writer).await?;
        Ok(true)
    }

    /// Brings the search indexes up to date and writes the chain head to the anchor file, then
    /// closes both pools, checkpointing the WAL into the main file.
    pub async fn close(self) {
        if let Err(err) = self.catch_up_search_indexes().await {
            tracing::warn!(error = %err, "the search indexes could not catch up before closing");
        }
        self.anchor_quietly("close").await;
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// The SQLite header's application id of a book ("INCP"); books made before it was set hold 0.
pub const APPLICATION_ID: i32 = 0x494E_4350;

/// What the first 100 bytes of a file say about it, read without SQLite: an empty file, a file
/// that is not SQLite, another application's database, or (maybe) a book. A database without an
/// application id is looked into through a read-only connection for our migration table.
pub async fn preflight(path: &Path) -> Result<()> {
    use std::io::Read;
    let refuse = |what: &str| {
        Error::Precondition(format!(
            "{} {what}; it was left as it is. Restore a backup or choose another file.",
            path.display()
        ))
    };
    let mut header = Vec::with_capacity(100);
    std::fs::File::open(path)
        .and_then(|f| f.take(100).read_to_end(&mut header))
        .map_err(|e| crate::files::io_error("read", path, e))?;
    if header.is_empty() {
        return Err(refuse("is empty (0 bytes), so it is not a book"));
    }
    if header.len() < 100 || !header.starts_with(b"SQLite format 3\0") {
        return Err(refuse(
            "is not a book of this app (it is not an SQLite database)",
        ));
    }
    let application_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    match application_id {
        APPLICATION_ID => Ok(()),
        0 => {
            let options = SqliteConnectOptions::new()
                .filename(path)
                .read_only(true)
                .pragma("query_only", "ON");
            let mut conn = options.connect().await.map_err(|e| open_error(path, e))?;
            let ours: Option<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = '_sqlx_migrations'",
            )
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| open_error(path, e))?;
            let tables: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'")
                    .fetch_one(&mut conn)
                    .await
                    .map_err(|e| open_error(path, e))?;
            conn.close().await?;
            match (ours, tables) {
                (Some(_), _) | (None, 0) => Ok(()),
                (None, _) => Err(refuse("is a database, but not an Incentise Payouts book")),
            }
        }
        _ => Err(refuse(
            "is another application's database, not an Incentise Payouts book",
        )),
    }
}

/// Whether the book at `path` and its folder can be written (the WAL lives beside it). A
/// file its owner made read-only is opened read-only, never made writable again.
pub fn can_write(path: &Path) -> bool {
    let file_writable = std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
    let folder = path.parent().unwrap_or(Path::new("."));
    let probe = folder.join(format!(".incentise-probe-{}", uuid::Uuid::now_v7()));
    let folder_writable = std::fs::File::create(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    file_writable && folder_writable
}

/// The writer's page cache (negative: KiB), filled only as a change touches pages. With
/// SQLite's 2 MB default a large change (40,000 confirmed statement lines) spills to the WAL
/// and reads its pages back: that confirm took 11.8 s with it, 9.2 s with 64 MB and no less
/// with 256 MB (`list_at_scale`).
const WRITER_CACHE: &str = "-65536";

/// How much of the book SQLite reads through a memory map instead of `read()` calls: the most
/// its build allows (`SQLITE_MAX_MMAP_SIZE`, 0x7fff0000). Pages are then read where the system
/// already caches them instead of being copied into each connection's page cache; writes still
/// go through the WAL with `write()` and `fsync`, so a commit is as durable as before. Importing
/// a 100,000-line statement against a million payouts went from 3.2 s to 2.2 s with it
/// (`list_at_scale ... statements`). The cost: an I/O error while reading a mapped page stops
/// the app (SIGBUS) instead of failing one query; what was committed stays committed.
const MMAP_SIZE: i64 = 0x7fff_0000;

fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        // Financial records: NORMAL can lose the last commits on power loss.
        .synchronous(SqliteSynchronous::Full)
        // On macOS a plain fsync leaves the commit in the drive's cache; these make SQLite ask
        // for F_FULLFSYNC on commits and checkpoints. Other systems ignore them.
        .pragma("fullfsync", "ON")
        .pragma("checkpoint_fullfsync", "ON")
        .foreign_keys(true)
        // Without it INSERT OR REPLACE would slip past the audit trail's delete trigger.
        .pragma("recursive_triggers", "ON")
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("mmap_size", MMAP_SIZE.to_string())
}

fn open_error(path: &Path, err: sqlx::Error) -> Error {
    tracing::error!(error = %err, path = %path.display(), "could not open the book");
    // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26): the file is damaged.
    let damaged = matches!(&err, sqlx::Error::Database(e)
        if e.code().is_some_and(|c| c.parse::<i32>().is_ok_and(|c| c & 0xff == 11 || c & 0xff == 26)));
    if damaged {
        return Error::Storage(format!(
            "The book at {} is damaged: SQLite cannot read parts of it.",
            path.display()
        ));
    }
    match Error::from(err) {
        Error::Storage(_) => Error::Storage(format!(
            "The book at {} could not be opened: it may be damaged or unreadable. Restore a backup or choose another file.",
            path.display()
        )),
        other => other,
    }
}

/// A non-empty database without our migration table is somebody else's file: leave it alone.
/// Returns whether the file already holds a book (rather than being new and empty).
async fn check_is_our_book(pool: &SqlitePool, path: &Path) -> Result<bool> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'table'")
            .fetch_all(pool)
            .await
            .map_err(|e| open_error(path, e))?;
    if !tables.is_empty() && !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Err(Error::Precondition(format!(
            "{} is a database, but not an Incentise Payouts book. Choose another file.",
            path.display()
        )));
    }
    Ok(!tables.is_empty())
}

/// Refuses a book written by a newer app and, when migrations are pending, saves a copy first.
async fn backup_before_migrations(
    pool: &SqlitePool,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<()> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?;
    let known: Vec<i64> = crate::schema_steps::versions().collect();
    if let Some(newer) = applied.iter().find(|v| !known.contains(v)) {
        return Err(Error::Precondition(format!(
            "This book was written by a newer version of Incentise Payouts (schema {newer}). Install that version to open it; nothing was changed."
        )));
    }
    if let Some(version) = newest_pending(&applied) {
        let target = private_backup_dir(path)?.join(format!(
            "before-migration-{version}-{}.sqlite",
            now.format("%Y%m%dT%H%M%SZ")
        ));
        Ledger::write_copy(path, &target).await?;
        tracing::info!(backup = %target.display(), "backed up the book before migrating");
    }
    Ok(())
}

/// Whether opening the existing book at `path` will upgrade it (schema steps this version adds)
/// and so take long for a large book: read without touching it; false for anything that is
/// not such a book (opening says why).
pub async fn upgrade_pending(path: &Path) -> bool {
    if !path.is_file() {
        return false;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .pragma("query_only", "ON");
    let Ok(mut conn) = options.connect().await else {
        return false;
    };
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    let _ = sqlx::Connection::close(conn).await;
    !applied.is_empty() && newest_pending(&applied).is_some()
}

/// The newest schema step of this version that a book with `applied` steps has not had.
fn newest_pending(applied: &[i64]) -> Option<i64> {
    crate::schema_steps::versions()
        .filter(|v| !applied.contains(v))
        .max()
}

/// Pages a backup step copies (16 MB of 4 KB pages), and the pause after each: the copy yields
/// the disk and a core to the screens between steps.
const BACKUP_PAGES: std::ffi::c_int = 4096;
const BACKUP_PAUSE: Duration = Duration::from_millis(5);

/// Copies the book at `source` into the empty database file `target` page by page with SQLite's
/// online backup API, [`BACKUP_PAGES`] at a time. The source connection holds one read
/// transaction for the whole copy, so the copy is the book as it was when it began and a write
/// meanwhile (the book stays writable) never makes it start over. The copy is left in rollback
/// journal mode, as a file that opens anywhere; the book it may become switches back to WAL.
fn online_backup(source: &Path, target: &Path) -> Result<()> {
    use rusqlite::{backup::Backup, Connection, OpenFlags};
    let failed = |err: rusqlite::Error| backup_error(target, err);
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| backup_error(source, e))?;
    from.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
    from.execute_batch("BEGIN; SELECT COUNT(*) FROM sqlite_schema;")
        .map_err(|e| backup_error(source, e))?;
    let mut to = Connection::open(target).map_err(failed)?;
    // Neither a journal nor a sync per step: a copy that fails is thrown away, and the whole
    // file is synced once it is complete (see `write_copy`).
    to.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .map_err(failed)?;
    Backup::new(&from, &mut to)
        .and_then(|backup| backup.run_to_completion(BACKUP_PAGES, BACKUP_PAUSE, None))
        .map_err(failed)?;
    to.pragma_update(None, "journal_mode", "DELETE")
        .map_err(failed)?;
    to.close().map_err(|(_, e)| failed(e))?;
    from.execute_batch("COMMIT")
        .map_err(|e| backup_error(source, e))?;
    Ok(())
}

/// A backup's SQLite error as the user reads it: a full disk or a refused folder said as for
/// any file, anything else with SQLite's words.
fn backup_error(path: &Path, err: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let kind = match err.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => Some(std::io::ErrorKind::StorageFull),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            Some(std::io::ErrorKind::PermissionDenied)
        }
        _ => None,
    };
    match kind {
        Some(kind) => crate::files::io_error("write", path, std::io::Error::new(kind, err)),
        None => {
            tracing::error!(error = %err, path = %path.display(), "the backup failed");
            Error::Storage(format!(
                "The backup could not be written ({err}). Nothing was changed in the book."
            ))
        }
    }
}

/// Backups live in a `backups` folder beside the book.
pub fn backup_dir(book: &Path) -> PathBuf {
    book.parent().unwrap_or(Path::new(".")).join(BACKUP_FOLDER)
}

/// The name of the folder beside a book that holds its backups.
pub(crate) const BACKUP_FOLDER: &str = "backups";

/// [`backup_dir`], created if need be and made the owner's alone (0700).
pub(crate) fn private_backup_dir(book: &Path) -> Result<PathBuf> {
    let dir = backup_dir(book);
    crate::files::private_dir(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Settings = (String, i64, i64, i64, i64, i64, i64, i64, i64);

    async fn settings(conn: &mut sqlx::SqliteConnection) -> Settings {
        let mut get = async |pragma: &str| -> String {
            let row: (String,) = sqlx::query_as(&format!("SELECT CAST(({pragma}) AS TEXT)"))
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            row.0
        };
        let journal = get("SELECT journal_mode FROM pragma_journal_mode").await;
        let int = |s: String| s.parse::<i64>().unwrap();
        (
            journal,
            int(get("SELECT synchronous FROM pragma_synchronous").await),
            int(get("SELECT fullfsync FROM pragma_fullfsync").await),
            int(get("SELECT checkpoint_fullfsync FROM pragma_checkpoint_fullfsync").await),
            int(get("SELECT foreign_keys FROM pragma_foreign_keys").await),
            int(get("SELECT recursive_triggers FROM pragma_recursive_triggers").await),
            int(get("SELECT timeout FROM pragma_busy_timeout").await),
            int(get("SELECT query_only FROM pragma_query_only").await),
            // The one setting without a table-valued pragma function.
            sqlx::query_scalar("PRAGMA mmap_size")
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
        )
    }

    #[tokio::test]
    async fn every_pooled_connection_has_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("b.sqlite"), Create::IfMissing, Utc::now())
            .await
            .unwrap();
        let mut writer = ledger.writer.acquire().await.unwrap();
        assert_eq!(
            settings(&mut writer).await,
            ("wal".into(), 2, 1, 1, 1, 1, 5000, 0, MMAP_SIZE)
        );
        let mut readers = Vec::new();
        for _ in 0..READERS {
            readers.push(ledger.reader.acquire().await.unwrap());
        }
        for reader in &mut readers {
            assert_eq!(
                settings(reader).await,
                ("wal".into(), 2, 1, 1, 1, 1, 5000, 1, MMAP_SIZE)
            );
        }
    }

    #[tokio::test]
    async fn a_full_disk_is_named_by_its_sqlite_code() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("b.sqlite"), Create::IfMissing, Utc::now())
            .await
            .unwrap();
        // The one writer connection may not grow the file: SQLITE_FULL, as on a full disk.
        sqlx::query("PRAGMA max_page_count = 1")
            .execute(&ledger.writer)
            .await
            .unwrap();
        let origin = crate::Origin::manual("Test", Utc::now());
        let mut failed = None;
        for i in 0..200 {
            let input = crate::customers::CustomerInput {
                username: format!("user{i}"),
                display_name: "x".repeat(200),
                email: String::new(),
            };
            if let Err(err) = ledger.add_customer(&origin, &input).await {
                failed = Some(err);
                break;
            }
        }
        let err = failed.expect("the writes fill the file");
        assert_eq!(err.kind(), "storage");
        assert_eq!(
            err.to_string(),
            "The disk is full, so nothing was saved. Free some space and try again."
        );
        // Space is back: the next write works without a restart, and the failed one left
        // nothing behind.
        sqlx::query("PRAGMA max_page_count = 1073741823")
            .execute(&ledger.writer)
            .await
            .unwrap();
        let input = crate::customers::CustomerInput {
            username: "after".into(),
            display_name: "After the disk was full".into(),
            email: String::new(),
        };
        ledger.add_customer(&origin, &input).await.unwrap();
        assert!(ledger.verify_book().await.unwrap().intact());
    }
}
