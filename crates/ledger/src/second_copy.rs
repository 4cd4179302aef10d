//! Backups off this disk: a second folder of the owner's choosing (a USB stick, a synced
//! folder) gets a copy of every backup, and a restore may come from any file, checked first.
//!
//! Invariants: a copy appears under its name only when complete (written beside it, synced,
//! renamed; 0600) and never overwrites a file; a failed copy never fails the backup it copies,
//! it is said to the user and logged; a file is restored only when it passes every check the
//! book itself passes (storage, our migrations byte for byte, chain, keyed part when the key is
//! here, every record against its history), except being cut off at the end, which is what an
//! older backup is.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::audit::Origin;
use crate::backups::{check_backup, Backup};
use crate::chain::TrustStore;
use crate::error::{Error, Result};
use crate::files::{io_error, AtomicFile};
use crate::store::{private_backup_dir, MIGRATOR};
use crate::Ledger;

/// Where the second copy of a backup went, or why it did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SecondCopy {
    pub copied_to: Option<String>,
    pub failed: Option<String>,
}

/// Copies `source` into `dir` under its own name, whole or not at all.
pub(crate) fn copy_into(source: &Path, dir: &Path) -> Result<PathBuf> {
    let name = source
        .file_name()
        .ok_or_else(|| Error::Storage(format!("{} is not a file name.", source.display())))?;
    if !dir.is_dir() {
        return Err(Error::NotFound(format!(
            "The second backup folder {} is not there (is the drive connected?).",
            dir.display()
        )));
    }
    let target = dir.join(name);
    if target.exists() {
        return Err(Error::Conflict(format!(
            "{} exists already; a backup never overwrites a file.",
            target.display()
        )));
    }
    copy_whole(source, &target)?;
    Ok(target)
}

/// Copies `source` to `target` (a new file), whole or not at all, 0600.
fn copy_whole(source: &Path, target: &Path) -> Result<()> {
    let (atomic, mut writer) = AtomicFile::create(target)?;
    let mut from = std::fs::File::open(source).map_err(|e| io_error("read", source, e))?;
    std::io::copy(&mut from, &mut writer).map_err(|e| io_error("write", target, e))?;
    atomic.finish(writer)
}

impl Ledger {
    /// Copies the backup at `backup` into the second backup folder, if one is set; for an
    /// automatic backup, only the newest `keep` automatic ones stay there too.
    pub(crate) async fn second_copy(
        &self,
        backup: &Path,
        keep: Option<(&str, usize)>,
    ) -> SecondCopy {
        let folder = match self.second_backup_folder().await {
            Ok(Some(folder)) => PathBuf::from(folder),
            Ok(None) => return SecondCopy::default(),
            Err(err) => {
                return SecondCopy {
                    copied_to: None,
                    failed: Some(err.to_string()),
                }
            }
        };
        match copy_into(backup, &folder) {
            Ok(copy) => {
                if let Some((prefix, kept)) = keep {
                    prune(&folder, prefix, kept);
                }
                SecondCopy {
                    copied_to: Some(copy.display().to_string()),
                    failed: None,
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, folder = %folder.display(), "the second copy of a backup failed");
                SecondCopy {
                    copied_to: None,
                    failed: Some(err.to_string()),
                }
            }
        }
    }

    /// Checks the file at `path` as a book to restore, then schedules it like a backup of the
    /// list: it is copied into the backup folder as `chosen-<when>.sqlite` first.
    pub async fn schedule_restore_from_file(&self, origin: &Origin, path: &Path) -> Result<Backup> {
        check_restorable(path, self.trust.clone()).await?;
        let dir = private_backup_dir(self.path())?;
        let chosen = dir.join(format!("chosen-{}.sqlite", stamp(origin.at)));
        copy_whole(path, &chosen)?;
        let name = chosen
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        self.schedule_restore(origin, &name).await
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Removes all but the newest `kept` files of `dir` whose names start with `prefix`.
fn prune(dir: &Path, prefix: &str, kept: usize) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.starts_with(prefix) && n.ends_with(".sqlite"))
        .collect();
    names.sort_unstable_by(|a, b| b.cmp(a));
    for old in names.iter().skip(kept) {
        let _ = std::fs::remove_file(dir.join(old));
    }
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
