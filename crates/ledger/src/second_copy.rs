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

use crate::audit::Origin;
use crate::backups::{stamp, Backup, SecondCopy};
use crate::error::{Error, Result};
use crate::restore_check::{check_restorable, copy_whole};
use crate::store::private_backup_dir;
use crate::Ledger;

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
        let chosen = dir.join(format!(
            "chosen-{}{}",
            stamp(origin.at),
            crate::backups::chosen_suffix(path)
        ));
        copy_whole(path, &chosen)?;
        let name = chosen
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        self.schedule_restore(origin, &name).await
    }
}

/// Removes all but the newest `kept` files of `dir` whose names start with `prefix`.
fn prune(dir: &Path, prefix: &str, kept: usize) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.starts_with(prefix) && crate::packed::book_suffix(n).is_some())
        .collect();
    names.sort_unstable_by(|a, b| b.cmp(a));
    for old in names.iter().skip(kept) {
        let old = dir.join(old);
        let _ = std::fs::remove_file(crate::restore_check::head_path(&old));
        let _ = std::fs::remove_file(old);
    }
}
