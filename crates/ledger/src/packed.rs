//! Backups kept compressed: a book file written as Zstandard (`<name>.sqlite.zst`) and read
//! back into a plain SQLite file wherever one is needed (to check it, or to put it in the
//! book's place).
//!
//! Invariants: a packed file is written whole or not at all (through [`AtomicFile`]); an
//! unpacked copy is a hidden file beside the packed one that is removed when its
//! [`Unpacked`] is dropped, with anything SQLite left beside it.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::files::{io_error, AtomicFile};

/// The name of a book file ends in this; a packed one adds [`PACKED`].
pub(crate) const BOOK: &str = ".sqlite";
pub(crate) const PACKED: &str = ".sqlite.zst";

/// Zstandard's level: 3 (its default) packs a book several times over at hundreds of MB a
/// second; higher levels gain little on SQLite pages for much more time.
const LEVEL: i32 = 3;

/// Whether `path` names a packed book.
pub(crate) fn is_packed(path: &Path) -> bool {
    path.to_string_lossy().ends_with(PACKED)
}

/// The name ending (`.sqlite` or `.sqlite.zst`) of a book file's name, if it has one.
pub(crate) fn book_suffix(name: &str) -> Option<&'static str> {
    [PACKED, BOOK].into_iter().find(|s| name.ends_with(s))
}

/// Writes `source` (a plain book file) to `target` (a new file), compressed.
pub(crate) fn pack(source: &Path, target: &Path) -> Result<()> {
    let (atomic, writer) = AtomicFile::create(target)?;
    let mut from = std::fs::File::open(source).map_err(|e| io_error("read", source, e))?;
    let mut encoder =
        zstd::stream::Encoder::new(writer, LEVEL).map_err(|e| io_error("write", target, e))?;
    // The size in the frame header lets a reader see the whole size before it starts.
    let size = from
        .metadata()
        .map_err(|e| io_error("read", source, e))?
        .len();
    encoder
        .set_pledged_src_size(Some(size))
        .map_err(|e| io_error("write", target, e))?;
    std::io::copy(&mut from, &mut encoder).map_err(|e| io_error("write", target, e))?;
    let writer = encoder.finish().map_err(|e| io_error("write", target, e))?;
    atomic.finish(writer)
}

/// [`pack`] on a thread of its own: packing a large book takes seconds of a core, which the
/// async runtime's workers must not lose.
pub(crate) async fn pack_aside(source: &Path, target: &Path) -> Result<()> {
    aside(source, target, pack).await
}

/// [`unpack`] on a thread of its own.
pub(crate) async fn unpack_aside(source: &Path, target: &Path) -> Result<()> {
    aside(source, target, unpack).await
}

async fn aside(source: &Path, target: &Path, work: fn(&Path, &Path) -> Result<()>) -> Result<()> {
    let (source, target) = (source.to_owned(), target.to_owned());
    tokio::task::spawn_blocking(move || work(&source, &target))
        .await
        .map_err(|e| Error::Storage(format!("The backup's packing stopped: {e}.")))?
}

/// A plain copy of a packed book, removed (with its `-wal`, `-shm` and `-journal`) when
/// dropped; or the book file itself when it was not packed.
#[derive(Debug)]
pub(crate) struct Unpacked {
    path: PathBuf,
    temporary: bool,
}

impl Unpacked {
    /// The plain book of `path`: unpacked (on a thread of its own) into a hidden file beside
    /// it when it is packed.
    pub(crate) async fn of(path: &Path) -> Result<Unpacked> {
        if !is_packed(path) {
            return Ok(Unpacked {
                path: path.to_owned(),
                temporary: false,
            });
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let plain = path.with_file_name(format!(".{name}.{}{BOOK}", uuid::Uuid::now_v7()));
        let unpacked = Unpacked {
            path: plain,
            temporary: true,
        };
        unpack_aside(path, &unpacked.path).await?;
        Ok(unpacked)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
            for side in ["-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{side}", self.path.display()));
            }
        }
    }
}

/// Writes the plain book packed in `source` to `target` (a new file, synced).
pub(crate) fn unpack(source: &Path, target: &Path) -> Result<()> {
    let from = std::fs::File::open(source).map_err(|e| io_error("read", source, e))?;
    let mut decoder = zstd::stream::Decoder::with_buffer(BufReader::new(from))
        .map_err(|e| unreadable(source, e))?;
    let (atomic, mut writer) = AtomicFile::create(target)?;
    // Read and write apart, so a damaged file and a full disk are told apart.
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = decoder
            .read(&mut buffer)
            .map_err(|e| unreadable(source, e))?;
        if n == 0 {
            break;
        }
        writer
            .write_all(&buffer[..n])
            .map_err(|e| io_error("write", target, e))?;
    }
    atomic.finish(writer)
}

/// A packed file that does not unpack: damaged, cut short or not Zstandard at all.
fn unreadable(path: &Path, err: std::io::Error) -> Error {
    Error::Precondition(format!(
        "{} cannot be restored: it does not unpack ({err}). The book was left as it is.",
        path.display()
    ))
}
