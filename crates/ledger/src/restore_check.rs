//! What a file must pass before it may replace the book, the head written beside each backup,
//! and the one whole-file copy that puts a file beside the book: shared by backups, the second
//! backup folder and the start-up screen's restore.
//!
//! A backup's head (its newest audit event's number and hash) is written beside it as
//! `<backup>.head` when the backup is made and travels with its copies, so a backup whose
//! history was changed afterwards no longer matches the head it was written with.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};

use crate::chain::TrustStore;
use crate::error::{Error, Result};
use crate::files::{io_error, AtomicFile};
use crate::packed::Unpacked;
use crate::schema_steps::STEPS;
use crate::Ledger;

/// Why `path` cannot replace the book, as the user reads it.
fn refusal(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Precondition(format!(
        "{} cannot be restored: {why}. The book was left as it is.",
        path.display()
    ))
}

async fn read_only(path: &Path) -> Result<SqliteConnection> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| refusal(path, format!("it cannot be opened ({e})")))
}

/// A backup's newest event when it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    seq: i64,
    hash: String,
    at: String,
}

/// Where the head of the backup at `backup` is kept.
pub(crate) fn head_path(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".head");
    PathBuf::from(name)
}

/// Writes the head of the book file `plain` beside the backup `backup` made of it (the same
/// file, or its packed copy).
pub(crate) async fn write_head(plain: &Path, backup: &Path, at: &str) -> Result<()> {
    let mut conn = read_only(plain).await?;
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut conn)
            .await?;
    sqlx::Connection::close(conn).await?;
    let Some((seq, hash)) = head else {
        return Ok(());
    };
    let target = head_path(backup);
    let (atomic, mut writer) = AtomicFile::create(&target)?;
    let head = Head {
        seq,
        hash,
        at: at.to_owned(),
    };
    serde_json::to_writer(&mut writer, &head).map_err(|e| io_error("write", &target, e.into()))?;
    atomic.finish(writer)
}

/// Checks that `path` (a plain book file) is a sound book this version can open: SQLite's
/// quick check, our migration table, no step this version does not know, each step it went
/// through ours byte for byte, and the head at `head` (when there is one) still its newest
/// event. Answers whether its schema is this version's (so its history can be checked too).
pub(crate) async fn check_backup(path: &Path, head: &Path) -> Result<bool> {
    let mut conn = read_only(path).await?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| refusal(path, format!("it is not a database ({e})")))?;
    if check != "ok" {
        return Err(refusal(path, format!("it is damaged ({check})")));
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut conn)
            .await
            .map_err(|_| refusal(path, "it is not an Incentise Payouts book"))?;
    for (version, checksum) in &applied {
        match STEPS.iter().find(|m| m.version == *version) {
            None => {
                return Err(refusal(
                    path,
                    format!("it was written by a newer version of the app (schema {version})"),
                ))
            }
            Some(ours) if ours.checksum.as_ref() != checksum.as_slice() => {
                return Err(refusal(
                    path,
                    format!("its schema step {version} differs from this version's"),
                ))
            }
            Some(_) => {}
        }
    }
    if let Ok(text) = std::fs::read_to_string(head) {
        let written: Head = serde_json::from_str(&text)
            .map_err(|_| refusal(path, "the head written beside it is unreadable"))?;
        let now: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut conn)
                .await?;
        if now != Some((written.seq, written.hash.clone())) {
            return Err(refusal(
                path,
                format!(
                    "it is not the backup written on {}: its history was changed since (it ended at event {} then)",
                    written.at, written.seq
                ),
            ));
        }
    }
    sqlx::Connection::close(conn).await?;
    Ok(applied.len() == STEPS.len())
}

/// Everything the book itself must pass, asked of a file before it may replace the book: the
/// checks of [`check_backup`], then (for a file of this version's schema) Verify's layers,
/// where only ending before the newest anchor is allowed, as a backup does.
pub(crate) async fn check_restorable(path: &Path, trust: Option<TrustStore>) -> Result<()> {
    let plain = Unpacked::of(path).await?;
    if !check_backup(plain.path(), &head_path(path)).await? {
        // An older book: its history is checked once the app has brought it up to date.
        return Ok(());
    }
    let mut ledger = Ledger::open_read_only(plain.path()).await?;
    if let Some(trust) = trust {
        ledger = ledger.with_trust(trust);
    }
    let report = ledger.verify_book().await;
    ledger.close().await;
    let found = report?.findings(true);
    if !found.is_empty() {
        return Err(refusal(
            path,
            format!("it does not pass the book's checks ({})", found.join("; ")),
        ));
    }
    Ok(())
}

/// Copies `source` to `target` (a new file), whole or not at all, 0600; its head goes along.
pub(crate) fn copy_whole(source: &Path, target: &Path) -> Result<()> {
    copy_file(source, target)?;
    let head = head_path(source);
    if head.is_file() {
        copy_file(&head, &head_path(target))?;
    }
    Ok(())
}

fn copy_file(source: &Path, target: &Path) -> Result<()> {
    let (atomic, mut writer) = AtomicFile::create(target)?;
    let mut from = std::fs::File::open(source).map_err(|e| io_error("read", source, e))?;
    std::io::copy(&mut from, &mut writer).map_err(|e| io_error("write", target, e))?;
    atomic.finish(writer)
}
