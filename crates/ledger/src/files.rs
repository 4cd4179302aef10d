//! Files on disk: the atomic writer, folder syncs, owner-only permissions, and the one mapping
//! of I/O errors to a sentence a person can act on.
//!
//! Invariants: a file written through [`AtomicFile`] appears under its name only when it is
//! complete (written beside it, synced, renamed, the folder synced), so a crash or a full disk
//! never leaves half a file; the raw error of a failed file operation goes to the log, the user
//! gets a sentence that says what to do.
//!
//! Ground floor: imports only the error type.

use std::fs::File;
use std::io::{BufWriter, ErrorKind};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file that is written beside `target` and renamed into place by [`AtomicFile::finish`];
/// dropped unfinished, it removes its temporary file.
pub(crate) struct AtomicFile {
    temp: PathBuf,
    pub(crate) target: PathBuf,
    done: bool,
}

impl AtomicFile {
    pub(crate) fn create(target: &Path) -> Result<(AtomicFile, BufWriter<File>)> {
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::validation("path", "Choose a file name."))?;
        if target.is_dir() {
            return Err(Error::validation(
                "path",
                format!("{} is a folder.", target.display()),
            ));
        }
        let temp = target.with_file_name(format!(".{name}.{}.partial", uuid::Uuid::now_v7()));
        let mut options = File::options();
        options.write(true).create_new(true);
        // Payment files and exports carry names, amounts and account details: the owner's
        // alone from the first byte.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&temp)
            .map_err(|e| io_error("write", target, e))?;
        let atomic = AtomicFile {
            temp,
            target: target.to_owned(),
            done: false,
        };
        Ok((atomic, BufWriter::new(file)))
    }

    pub(crate) fn finish(mut self, writer: BufWriter<File>) -> Result<()> {
        let file = writer
            .into_inner()
            .map_err(|e| io_error("write", &self.target, e.into_error()))?;
        file.sync_all()
            .map_err(|e| io_error("write", &self.target, e))?;
        drop(file);
        std::fs::rename(&self.temp, &self.target)
            .map_err(|e| io_error("write", &self.target, e))?;
        if let Some(dir) = self.target.parent() {
            sync_dir(dir);
        }
        self.done = true;
        Ok(())
    }
}

/// Files written beside their names, to be put in place together (see [`Staged::place`]).
pub(crate) struct Staged(pub(crate) Vec<(AtomicFile, BufWriter<File>)>);

/// Files put in place by [`Staged::place`], which [`Placed::undo`] removes again (when the
/// change that records them does not commit).
pub(crate) struct Placed(Vec<PathBuf>);

impl Staged {
    /// Puts every file under its name; if one fails, removes those already placed.
    pub(crate) fn place(self) -> Result<Placed> {
        let mut placed = Placed(Vec::with_capacity(self.0.len()));
        for (atomic, out) in self.0 {
            let target = atomic.target.clone();
            if let Err(err) = atomic.finish(out) {
                placed.undo();
                return Err(err);
            }
            placed.0.push(target);
        }
        Ok(placed)
    }
}

impl Placed {
    pub(crate) fn undo(self) {
        for done in self.0 {
            let _ = std::fs::remove_file(done);
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Makes a rename or a new file in `dir` survive a power cut. Best effort: some systems cannot
/// open a folder for syncing, and the data itself is already synced.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Only the owner may read `path` (Unix): the book, its backups and files with bank details.
pub(crate) fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_error("protect", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `dir` and its parents for the app's own files (the book's folder, backups), and
/// makes it the owner's alone (0700).
pub fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io_error("create the folder", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error("protect", dir, e))?;
    }
    Ok(())
}

/// "Could not `doing` `path`: what went wrong, and what to do." The raw error is logged.
pub(crate) fn io_error(doing: &str, path: &Path, err: std::io::Error) -> Error {
    tracing::error!(error = %err, path = %path.display(), "could not {doing}");
    let why = match err.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            "the disk is full. Free some space and try again"
        }
        ErrorKind::PermissionDenied => {
            "this app may not do that there. Check the permissions, or choose another place"
        }
        ErrorKind::ReadOnlyFilesystem => "the disk is read-only. Choose another place",
        ErrorKind::NotFound => "it, or its folder, does not exist",
        ErrorKind::AlreadyExists => "a file of that name exists already",
        _ => "the system refused. The details are in the log",
    };
    Error::Storage(format!(
        "Could not {doing} {}: {why}. Nothing was changed there.",
        path.display()
    ))
}

/// A CSV writer's error, as [`io_error`] words it.
pub(crate) fn csv_error(path: &Path, err: csv::Error) -> Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => io_error("write", path, err),
        other => {
            tracing::error!(error = ?other, path = %path.display(), "could not write CSV");
            Error::Storage(format!(
                "Could not write {}. Nothing was changed there.",
                path.display()
            ))
        }
    }
}
