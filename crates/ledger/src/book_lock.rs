//! One writer per book: an OS lock on a file beside the book (`book.sqlite.lock`), held for as
//! long as the book is open. A second app window or program that would open the same book is
//! refused with a clear message instead of sharing it (a restore in one would otherwise throw
//! away the other's acknowledged writes). The lock is the operating system's: it goes away with
//! the process, even after a crash, so no stale lock ever blocks the next start. Read-only
//! readers (the command-line program) need no lock: SQLite's WAL keeps their view consistent.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::files::io_error;

/// The lock on one book, released when dropped (with every clone of the ledger holding it).
#[derive(Debug)]
pub(crate) struct BookLock {
    _file: File,
}

impl BookLock {
    /// Takes the book's lock, or says that another window or program holds it.
    pub(crate) fn take(book: &Path) -> Result<BookLock> {
        let path = lock_path(book);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error("lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(BookLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::Conflict(format!(
                "The book {} is open in another window or program. Use that window, or close it there and try again.",
                book.display()
            ))),
            Err(TryLockError::Error(err)) => Err(io_error("lock", &path, err)),
        }
    }

    /// Like [`BookLock::take`], but waits up to `patience` for the holder to let go: after a
    /// restart, the app that asked for it may still be on its way out (Windows takes a while
    /// to close a window's webview), and the new one must not start before it is gone.
    pub(crate) async fn take_within(book: &Path, patience: Duration) -> Result<BookLock> {
        let started = Instant::now();
        loop {
            match BookLock::take(book) {
                Err(Error::Conflict(_)) if started.elapsed() < patience => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                taken => return taken,
            }
        }
    }
}

/// `book.sqlite.lock` beside `book.sqlite`.
fn lock_path(book: &Path) -> PathBuf {
    let mut name = book.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    book.with_file_name(name)
}
