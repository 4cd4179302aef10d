//! Backups of the book, in the `backups` folder beside it: automatic (on start, at most one a
//! day, the newest seven kept), manual, and restore.
//!
//! Invariants: a backup is a consistent copy (SQLite's online backup API under one read
//! transaction, WAL included) and never overwrites a file; a restore never happens under an
//! open book: it is scheduled (after the backup is checked to be a sound book of this app, not
//! of a newer version) and carried out by [`apply_pending_restore`] before the book is opened
//! next, which first keeps the current book (with its WAL) as a `before-restore` backup, so a
//! restore can itself be undone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{Action, Diff, Event, Origin, Record};
use crate::error::{Error, Result};
use crate::files::{io_error, sync_dir};
use crate::packed::{book_suffix, BOOK, PACKED};
use crate::restore_check::{check_backup, head_path, write_head};
use crate::store::{backup_dir, private_backup_dir, BACKUP_FOLDER};
use crate::Ledger;

/// Automatic backups kept; older ones are removed.
pub const AUTOMATIC_KEPT: usize = 7;
const AUTOMATIC: &str = "automatic-";
/// Beside the book: names the backup to put in its place at the next start.
const RESTORE_MARKER: &str = "restore-pending";

/// Where the second copy of a backup went, or why it did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SecondCopy {
    pub copied_to: Option<String>,
    pub failed: Option<String>,
}

/// One backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backup {
    pub file_name: String,
    pub bytes: u64,
    /// When it was written (RFC 3339), from the file.
    pub written_at: String,
    /// For a backup just written: its copy in the second backup folder.
    pub second: SecondCopy,
}

pub(crate) fn stamp(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%SZ").to_string()
}

fn describe(path: &Path) -> Result<Backup> {
    let meta = std::fs::metadata(path).map_err(|e| io_error("read", path, e))?;
    let written: DateTime<Utc> = meta
        .modified()
        .map_err(|e| io_error("read the time of", path, e))?
        .into();
    Ok(Backup {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes: meta.len(),
        written_at: crate::audit::timestamp(written),
        second: Default::default(),
    })
}

/// The backups of the book at `book`, newest first.
pub fn list_backups(book: &Path) -> Result<Vec<Backup>> {
    let dir = backup_dir(book);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("list the backups in", &dir, e)),
    };
    let mut backups = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| io_error("list the backups in", &dir, e))?
            .path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if book_suffix(&name).is_some() && !name.starts_with('.') {
            backups.push(describe(&path)?);
        }
    }
    backups.sort_by(|a, b| {
        b.written_at
            .cmp(&a.written_at)
            .then(b.file_name.cmp(&a.file_name))
    });
    Ok(backups)
}

/// Whether the file at `path` is one of a book's backups: a book file (plain or packed) in the
/// backup folder beside a book, as [`list_backups`] lists them. Such a file is restored, not
/// opened as the book: opened, its history would read as cut off against the book's anchors.
pub fn is_backup_file(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let folder = path.parent().and_then(Path::file_name);
    book_suffix(&name).is_some() && folder == Some(BACKUP_FOLDER.as_ref())
}

/// The backup called `file_name` in the book's backup folder (a bare name, never a path).
pub fn backup_path(book: &Path, file_name: &str) -> Result<PathBuf> {
    let plain = Path::new(file_name)
        .file_name()
        .is_some_and(|n| n == file_name);
    if !plain || book_suffix(file_name).is_none() || file_name.starts_with('.') {
        return Err(Error::validation(
            "file_name",
            "Choose one of the backups listed.",
        ));
    }
    let path = backup_dir(book).join(file_name);
    if !path.is_file() {
        return Err(Error::NotFound(format!("There is no backup {file_name}.")));
    }
    Ok(path)
}

impl Ledger {
    /// The backups of this book, newest first.
    pub fn backups(&self) -> Result<Vec<Backup>> {
        list_backups(self.path())
    }

    /// Writes a copy of the book at `book` into `dir` (a folder of the user's, left as it is)
    /// as `incentise-backup-<when>.sqlite`, checked after it is written; for the command line,
    /// which opens nothing for writing, so no audit event records it. Refuses to overwrite.
    pub async fn copy_book(book: &Path, dir: &Path, now: DateTime<Utc>) -> Result<PathBuf> {
        if !book.is_file() {
            return Err(Error::NotFound(format!(
                "There is no book at {}.",
                book.display()
            )));
        }
        let target = dir.join(format!("incentise-backup-{}.sqlite", stamp(now)));
        Ledger::write_copy(book, &target).await?;
        if let Err(err) = check_backup(&target, &head_path(&target)).await {
            let _ = std::fs::remove_file(&target);
            return Err(err);
        }
        Ok(target)
    }

    /// Writes a backup now, recorded in the audit trail (a backup is a full copy of the
    /// customers' bank details).
    pub async fn back_up(&self, origin: &Origin) -> Result<Backup> {
        let dir = private_backup_dir(self.path())?;
        // Two in one second both work: the second is "manual-<when>-2.sqlite.zst".
        let target = (1..)
            .map(|n| match n {
                1 => dir.join(format!("manual-{}{PACKED}", stamp(origin.at))),
                n => dir.join(format!("manual-{}-{n}{PACKED}", stamp(origin.at))),
            })
            .find(|path| !path.exists())
            .expect("some name is free");
        self.write_packed(&target, origin.at).await?;
        let mut backup = describe(&target)?;
        backup.second = self.second_copy(&target, None).await;
        let diff = Diff::new()
            .created("file", &backup.file_name)
            .created("copy", &backup.second.copied_to);
        self.book_event(origin, Action::Backup, diff, "Backup written.")
            .await?;
        self.anchor_quietly("backup").await;
        Ok(backup)
    }

    /// The start-of-day backup: written when the newest automatic one is older than 20 hours
    /// (or there is none); then only the newest [`AUTOMATIC_KEPT`] are kept.
    pub async fn automatic_backup(&self, now: DateTime<Utc>) -> Result<Option<Backup>> {
        let automatic: Vec<Backup> = self
            .backups()?
            .into_iter()
            .filter(|b| b.file_name.starts_with(AUTOMATIC))
            .collect();
        // The time in the newest one's name: "automatic-20260105T090000Z.sqlite.zst" (or
        // ".sqlite", as older versions wrote them); an empty file (left by an older version
        // after a failure) is no backup.
        let newest = automatic
            .iter()
            .filter(|b| b.bytes > 0)
            .filter_map(|b| {
                let named = b.file_name.strip_prefix(AUTOMATIC)?;
                let at = named.strip_suffix(book_suffix(named)?)?;
                chrono::NaiveDateTime::parse_from_str(at, "%Y%m%dT%H%M%SZ").ok()
            })
            .max();
        // One a calendar day (UTC).
        let fresh = newest.is_some_and(|at| at.date() == now.date_naive());
        if fresh {
            return Ok(None);
        }
        let target =
            private_backup_dir(self.path())?.join(format!("{AUTOMATIC}{}{PACKED}", stamp(now)));
        self.write_packed(&target, now).await?;
        // Newest first by the time in the name, whichever ending it has.
        let mut names: Vec<&str> = automatic.iter().map(|b| b.file_name.as_str()).collect();
        names.sort_unstable_by(|a, b| b.cmp(a));
        for old in names.iter().skip(AUTOMATIC_KEPT - 1) {
            let old = backup_dir(self.path()).join(old);
            let _ = std::fs::remove_file(head_path(&old));
            let _ = std::fs::remove_file(old);
        }
        let mut backup = describe(&target)?;
        backup.second = self
            .second_copy(&target, Some((AUTOMATIC, AUTOMATIC_KEPT)))
            .await;
        let origin = Origin {
            operator: "Incentise Payouts".into(),
            source: crate::audit::Source::System,
            at: now,
        };
        let diff = Diff::new()
            .created("file", &backup.file_name)
            .created("copy", &backup.second.copied_to);
        self.book_event(
            &origin,
            Action::Backup,
            diff,
            "Automatic daily backup written.",
        )
        .await?;
        self.anchor_quietly("backup").await;
        Ok(Some(backup))
    }

    /// Writes a consistent copy of the book, packed, to `target` (a new file), with its head
    /// beside it; the plain copy it is packed from is removed, also when packing fails.
    async fn write_packed(&self, target: &Path, at: DateTime<Utc>) -> Result<()> {
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let plain = target.with_file_name(format!(".{name}.{}{BOOK}", uuid::Uuid::now_v7()));
        let written = async {
            Ledger::write_copy(self.path(), &plain).await?;
            write_head(&plain, target, &crate::audit::timestamp(at)).await?;
            crate::packed::pack_aside(&plain, target).await
        }
        .await;
        let _ = std::fs::remove_file(&plain);
        if written.is_err() {
            let _ = std::fs::remove_file(head_path(target));
        }
        written
    }

    /// Checks the backup `file_name` and schedules it to replace the book at the next start
    /// (see [`apply_pending_restore`]); the app then restarts.
    pub async fn schedule_restore(&self, origin: &Origin, file_name: &str) -> Result<Backup> {
        let path = backup_path(self.path(), file_name)?;
        crate::restore_check::check_restorable(&path, self.trust.clone()).await?;
        std::fs::write(marker(self.path()), file_name)
            .map_err(|e| io_error("schedule the restore in", &marker(self.path()), e))?;
        let recorded = self.book_event(
            origin,
            Action::Restore,
            Diff::new().created("file", file_name),
            "Restore of a backup scheduled for the next start; this book is kept as a backup.",
        );
        if let Err(err) = recorded.await {
            // Not recorded, not scheduled.
            let _ = std::fs::remove_file(marker(self.path()));
            return Err(err);
        }
        describe(&path)
    }

    /// Records in the audit trail that this book was restored (`note` from
    /// [`apply_pending_restore`]).
    pub async fn record_restore(&self, origin: &Origin, note: &str) -> Result<()> {
        self.book_event(origin, Action::Restored, Diff::new(), note)
            .await
    }

    /// An audit event about the book as a whole, alone in its transaction.
    async fn book_event(
        &self,
        origin: &Origin,
        action: Action,
        diff: Diff,
        note: &str,
    ) -> Result<()> {
        let tx = self.begin_write(origin).await?;
        tx.commit_with(Event {
            action,
            record: Record::Book,
            diff,
            note,
        })
        .await
    }
}

/// Schedules `source` (one of the book's backups, or any file) to replace the book at `book`
/// at the next start, for a book that cannot be opened (missing, damaged, not a book, of a
/// newer version): the start-up screen's way out. The file is checked as every restore is; a
/// file from elsewhere is copied into the backups first. No audit event can record the
/// schedule (there is no open book); the restore itself is recorded once the book opens.
pub async fn schedule_restore_unopened(
    book: &Path,
    source: &Path,
    trust: Option<crate::chain::TrustStore>,
    now: DateTime<Utc>,
) -> Result<Backup> {
    crate::restore_check::check_restorable(source, trust).await?;
    let dir = private_backup_dir(book)?;
    let listed = source.parent() == Some(dir.as_path());
    let chosen = if listed {
        source.to_owned()
    } else {
        let chosen = dir.join(format!("chosen-{}{}", stamp(now), chosen_suffix(source)));
        crate::restore_check::copy_whole(source, &chosen)?;
        chosen
    };
    let name = chosen.file_name().unwrap_or_default().to_string_lossy();
    std::fs::write(marker(book), name.as_bytes())
        .map_err(|e| io_error("schedule the restore in", &marker(book), e))?;
    describe(&chosen)
}

/// The name ending a file chosen to restore keeps in the backup folder: packed or plain.
pub(crate) fn chosen_suffix(source: &Path) -> &'static str {
    if crate::packed::is_packed(source) {
        PACKED
    } else {
        BOOK
    }
}

fn marker(book: &Path) -> PathBuf {
    book.with_file_name(RESTORE_MARKER)
}

/// How long a scheduled restore waits for the app that restarted to let go of the book.
const RESTART_PATIENCE: Duration = Duration::from_secs(10);

/// Run before the book at `book` is opened: carries out a scheduled restore. The current book
/// (and its WAL, if any) is first kept as `before-restore-<time>.sqlite`; the backup is copied
/// beside the book, synced and renamed over it. Returns what happened, for the audit trail. A
/// restore is tried once: when it fails, the schedule is dropped and the book stays as it was.
///
/// The file is checked again here as at scheduling, with the trust folder (`trust`), since
/// anyone who can write beside the book can write the schedule too.
pub async fn apply_pending_restore(
    book: &Path,
    now: DateTime<Utc>,
    trust: Option<crate::chain::TrustStore>,
) -> Result<Option<String>> {
    let marker = marker(book);
    let Ok(file_name) = std::fs::read_to_string(&marker) else {
        return Ok(None);
    };
    // Never while another window or program has the book open: its writes would be lost.
    // The app that scheduled the restore and restarted is given time to be gone; after that
    // the restore stays scheduled for a start when nothing else holds the book.
    let _lock = crate::book_lock::BookLock::take_within(book, RESTART_PATIENCE).await?;
    let restored = restore(book, file_name.trim(), now, trust).await;
    if restored.is_err() {
        let _ = std::fs::remove_file(&marker);
    }
    restored.map(Some)
}

async fn restore(
    book: &Path,
    file_name: &str,
    now: DateTime<Utc>,
    trust: Option<crate::chain::TrustStore>,
) -> Result<String> {
    let source = backup_path(book, file_name)?;
    crate::restore_check::check_restorable(&source, trust).await?;
    let dir = backup_dir(book);
    let kept = dir.join(format!("before-restore-{}.sqlite", stamp(now)));
    if kept.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists; a backup never overwrites a file. Start the app again in a moment.",
            kept.display()
        )));
    }
    crate::files::private_dir(&dir)?;
    if book.exists() {
        std::fs::copy(book, &kept).map_err(|e| io_error("keep a copy of", book, e))?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", book.display()));
            if side.exists() {
                let copy = PathBuf::from(format!("{}{suffix}", kept.display()));
                std::fs::copy(&side, copy).map_err(|e| io_error("keep a copy of", &side, e))?;
            }
        }
    }
    let temp = book.with_file_name(".restoring.sqlite");
    if crate::packed::is_packed(&source) {
        let _ = std::fs::remove_file(&temp);
        crate::packed::unpack_aside(&source, &temp).await?;
    } else {
        std::fs::copy(&source, &temp).map_err(|e| io_error("copy", &source, e))?;
        // A write handle: Windows refuses to flush a read-only one.
        std::fs::File::options()
            .write(true)
            .open(&temp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_error("copy", &source, e))?;
    }
    // The old book's WAL must not be applied to the restored file.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", book.display()));
    }
    std::fs::rename(&temp, book).map_err(|e| io_error("put the backup in place at", book, e))?;
    std::fs::remove_file(marker(book))
        .map_err(|e| io_error("finish the restore: remove", &marker(book), e))?;
    if let Some(parent) = book.parent() {
        sync_dir(parent);
    }
    Ok(format!(
        "Book restored from the backup {file_name}; the book before it was kept as {}.",
        kept.file_name().unwrap_or_default().to_string_lossy()
    ))
}
