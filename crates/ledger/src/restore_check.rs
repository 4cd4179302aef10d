//! What a file must pass before it may replace the book, and the one whole-file copy that
//! puts it beside the book: shared by backups, the second backup folder and the start-up
//! screen's restore.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;

use crate::chain::TrustStore;
use crate::error::{Error, Result};
use crate::files::{io_error, AtomicFile};
use crate::store::MIGRATOR;
use crate::Ledger;

/// Checks that `path` is a sound book this version can open.
pub(crate) async fn check_backup(path: &Path) -> Result<()> {
    let unusable = |why: String| {
        Error::Precondition(format!(
            "{} cannot be restored: {why}. The book was left as it is.",
            path.display()
        ))
    };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| unusable(format!("it cannot be opened ({e})")))?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| unusable(format!("it is not a database ({e})")))?;
    if check != "ok" {
        return Err(unusable(format!("it is damaged ({check})")));
    }
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut conn)
            .await
            .map_err(|_| unusable("it is not an Incentise Payouts book".into()))?;
    let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    if let Some(newer) = versions.iter().find(|v| !known.contains(v)) {
        return Err(unusable(format!(
            "it was written by a newer version of the app (schema {newer})"
        )));
    }
    Ok(())
}

/// Everything the book itself must pass, asked of a file before it may replace the book.
pub(crate) async fn check_restorable(path: &Path, trust: Option<TrustStore>) -> Result<()> {
    check_backup(path).await?;
    let refuse = |why: String| {
        Error::Precondition(format!(
            "{} cannot be restored: {why}. The book was left as it is.",
            path.display()
        ))
    };
    // Each migration the file went through must be ours byte for byte.
    let applied: Vec<(i64, Vec<u8>)> = {
        let ledger_less = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .read_only(true),
        )
        .await?;
        let rows = sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(&ledger_less)
            .await?;
        ledger_less.close().await;
        rows
    };
    for (version, checksum) in &applied {
        let ours = MIGRATOR.iter().find(|m| m.version == *version);
        if ours.is_some_and(|m| m.checksum.as_ref() != checksum.as_slice()) {
            return Err(refuse(format!(
                "its schema step {version} differs from this version's"
            )));
        }
    }
    if applied.len() < MIGRATOR.iter().count() {
        // An older book: its history is checked once the app has brought it up to date.
        return Ok(());
    }
    let mut ledger = Ledger::open_read_only(path).await?;
    if let Some(trust) = trust {
        ledger = ledger.with_trust(trust);
    }
    let report = ledger.verify_book().await;
    ledger.close().await;
    let found = report?.findings(true);
    if !found.is_empty() {
        return Err(refuse(format!(
            "it does not pass the book's checks ({})",
            found.join("; ")
        )));
    }
    Ok(())
}

/// Copies `source` to `target` (a new file), whole or not at all, 0600.
pub(crate) fn copy_whole(source: &Path, target: &Path) -> Result<()> {
    let (atomic, mut writer) = AtomicFile::create(target)?;
    let mut from = std::fs::File::open(source).map_err(|e| io_error("read", source, e))?;
    std::io::copy(&mut from, &mut writer).map_err(|e| io_error("write", target, e))?;
    atomic.finish(writer)
}
