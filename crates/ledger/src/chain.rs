//! Tamper evidence kept outside the book: the secret that keys the audit chain's hashes, and the
//! anchors (chain heads written down as the book goes along).
//!
//! Someone who can edit the book file can recompute a plain hash chain; they cannot recompute
//! an HMAC without its key, and they cannot reach back into the anchor file to make an older
//! head agree with a rewritten or shortened history. Both live in a trust folder chosen by the
//! caller (the app's config folder), never beside the book:
//!
//! - the key: in the OS keychain where one answers (the app's store; see [`Keychain`]), else
//!   `keys/<key id>.key`, JSON, the owner's alone (0600, folder 0700);
//! - `anchors/<book id>.jsonl`: one anchor per line, only ever appended.
//!
//! A chain is made of segments. Events before the book's first `key` event are linked with
//! plain SHA-256 (books made before keys existed); a `key` event names the key that hashes it
//! and every event after it, until the next `key` event. A key is named by an id derived from
//! it, so the book says which key it needs without holding it.
//!
//! Ground floor: imports only the error type and the file helpers, so the book can learn its
//! key as it opens.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::error::{Error, Result};
use crate::files::{io_error, private_dir, AtomicFile};

/// The secret of one keyed segment.
pub struct ChainKey {
    id: String,
    secret: [u8; 32],
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log line.
        f.debug_struct("ChainKey").field("id", &self.id).finish()
    }
}

impl ChainKey {
    /// A new key from the operating system's random source.
    pub(crate) fn generate() -> Result<ChainKey> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| {
            tracing::error!(error = %e, "no randomness for a chain key");
            Error::Storage("The system gave no random numbers for the book's key.".into())
        })?;
        Ok(ChainKey::from_secret(secret))
    }

    fn from_secret(secret: [u8; 32]) -> ChainKey {
        let mut hasher = Sha256::new();
        hasher.update(b"incentise chain key id\n");
        hasher.update(secret);
        let id = hex(&hasher.finalize())[..16].to_owned();
        ChainKey { id, secret }
    }

    /// The key's public name, as `key` events store it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA-256 of `data` under this key, in hex.
    pub(crate) fn mac(&self, data: &[&[u8]]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        for part in data {
            mac.update(part);
        }
        hex(&mac.finalize().into_bytes())
    }
}

/// The action of the event that starts a keyed segment, and the field that names its key.
pub(crate) const KEY_ACTION: &str = "key";
pub(crate) const KEY_FIELD: &str = "chain_key";

/// The key id the book's newest `key` event names, if the book is keyed.
pub(crate) async fn current_key_id(pool: &SqlitePool) -> Result<Option<String>> {
    let id: Option<Option<String>> = sqlx::query_scalar(
        "SELECT json_extract(changes, '$[0].new') FROM audit_events
          WHERE entity = 'book' AND entity_id IS NULL AND action = ?
          ORDER BY seq DESC LIMIT 1",
    )
    .bind(KEY_ACTION)
    .fetch_optional(pool)
    .await?;
    Ok(id.flatten())
}

/// How a ledger hashes the events it writes.
#[derive(Debug, Clone)]
pub(crate) enum Keying {
    /// The book has no key event yet: plain links (a book from before keys, tests, tools).
    Plain,
    Keyed(Arc<ChainKey>),
    /// The book is keyed with a key this ledger was not given: it may not write, since events
    /// it hashed would read as tampering.
    Elsewhere,
    /// The book was opened read-only (a tool, or a file its owner protected).
    ReadOnly,
}

impl Keying {
    /// The key a new event is hashed with, or the refusal to write.
    pub(crate) fn for_writing(&self) -> Result<Option<Arc<ChainKey>>> {
        match self {
            Keying::Plain => Ok(None),
            Keying::Keyed(key) => Ok(Some(key.clone())),
            Keying::Elsewhere => Err(Error::Precondition(
                "This book's audit trail is keyed, and this program was not given its key: open the book in Incentise Payouts to change it.".into(),
            )),
            Keying::ReadOnly => Err(Error::Precondition(
                "This book is open read-only, so nothing can be changed. To change it, make the file and its folder writable again and restart the app.".into(),
            )),
        }
    }
}

/// SHA-256 of `data`, in hex: the plain links of books from before keys.
pub(crate) fn sha256(data: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in data {
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(DIGITS[usize::from(b >> 4)] as char);
        text.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    text
}

/// One chain head written down outside the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    /// When it was written (RFC 3339 UTC).
    pub at: String,
    /// What wrote it: `close`, `backup`, `export`, `key`, `restore`.
    pub reason: String,
    /// The key that sealed the anchored event (anchors from before this field have none): the
    /// book must still name that key there, or its history was rewritten under another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// How a key is stored in its file.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    id: String,
    key: String,
    /// The event that starts the key's segment.
    from_seq: i64,
    created_at: String,
}

/// A store of secrets outside any folder: where a chain key is kept when the system has one.
pub trait Keychain: Send + Sync + std::fmt::Debug {
    /// The secret saved under `name`, if there is one and the keychain answers.
    fn get(&self, name: &str) -> Option<String>;
    /// Saves `secret` under `name`; why not, when the keychain cannot (none on this system,
    /// locked, refused).
    fn set(&self, name: &str, secret: &str) -> std::result::Result<(), String>;
}

/// The operating system's keychain: the macOS Keychain, the Windows Credential Manager, or
/// the Secret Service of a Linux desktop (GNOME Keyring, KWallet), through `keyring`.
#[derive(Debug)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// Entries named `<service>` / `<key id>`.
    pub fn new(service: impl Into<String>) -> OsKeychain {
        OsKeychain {
            service: service.into(),
        }
    }

    fn entry(&self, name: &str) -> keyring::Result<keyring::Entry> {
        keyring::Entry::new(&self.service, name)
    }
}

impl Keychain for OsKeychain {
    fn get(&self, name: &str) -> Option<String> {
        match self.entry(name).and_then(|e| e.get_password()) {
            Ok(secret) => Some(secret),
            Err(keyring::Error::NoEntry) => None,
            Err(err) => {
                tracing::warn!(error = %err, "the OS keychain did not answer");
                None
            }
        }
    }

    fn set(&self, name: &str, secret: &str) -> std::result::Result<(), String> {
        self.entry(name)
            .and_then(|e| e.set_password(secret))
            .map_err(|e| e.to_string())
    }
}

/// The name the app's chain keys are kept under in the OS keychain.
pub const APP_KEYCHAIN: &str = "com.incentise.payouts chain keys";

/// The trust folder: keys and anchors of every book this computer has opened; with a
/// keychain, new keys go there and the folder holds only the anchors.
#[derive(Debug, Clone)]
pub struct TrustStore {
    dir: PathBuf,
    keychain: Option<Arc<dyn Keychain>>,
}

impl TrustStore {
    pub fn new(dir: impl Into<PathBuf>) -> TrustStore {
        TrustStore {
            dir: dir.into(),
            keychain: None,
        }
    }

    /// The app's store: the trust folder `dir`, with the OS keychain (see [`APP_KEYCHAIN`]).
    pub fn for_app(dir: impl Into<PathBuf>) -> TrustStore {
        TrustStore::new(dir).with_keychain(Arc::new(OsKeychain::new(APP_KEYCHAIN)))
    }

    /// The same store, keeping new keys in `keychain` where it answers (a 0600 file in the
    /// folder where it does not) and looking there first for every key.
    pub fn with_keychain(mut self, keychain: Arc<dyn Keychain>) -> TrustStore {
        self.keychain = Some(keychain);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key_path(&self, id: &str) -> PathBuf {
        self.dir.join("keys").join(format!("{id}.key"))
    }

    /// The key named `id` and the event its segment starts at, if this computer holds it (in
    /// the keychain or the folder). One that is unreadable or altered counts as missing (and
    /// is logged), so a lost key is reported as "cannot check", never as tampering.
    pub(crate) fn key(&self, id: &str) -> Option<(ChainKey, i64)> {
        let kept = self.keychain.as_ref().and_then(|k| k.get(id));
        let (text, place) = match kept {
            Some(text) => (text, "the OS keychain".to_owned()),
            None => {
                let path = self.key_path(id);
                (
                    std::fs::read_to_string(&path).ok()?,
                    path.display().to_string(),
                )
            }
        };
        let file: KeyFile = match serde_json::from_str(&text) {
            Ok(file) => file,
            Err(err) => {
                tracing::warn!(error = %err, place, "an unreadable chain key");
                return None;
            }
        };
        let bytes = unhex(&file.key)?;
        let key = ChainKey::from_secret(bytes.try_into().ok()?);
        if key.id != id || file.id != id {
            tracing::warn!(place, "a chain key that is not the key it is named after");
            return None;
        }
        Some((key, file.from_seq))
    }

    /// Saves `key` before the book starts using it: in the keychain where it answers, else as
    /// a file written whole or not at all, 0600.
    pub(crate) fn save_key(&self, key: &ChainKey, from_seq: i64, at: &str) -> Result<()> {
        let file = KeyFile {
            id: key.id.clone(),
            key: hex(&key.secret),
            from_seq,
            created_at: at.to_owned(),
        };
        if let Some(keychain) = &self.keychain {
            let text = serde_json::to_string(&file).expect("a key serialises");
            match keychain.set(&key.id, &text) {
                Ok(()) if keychain.get(&key.id).as_deref() == Some(text.as_str()) => {
                    tracing::info!(key = %key.id, "the chain key is kept in the OS keychain");
                    return Ok(());
                }
                Ok(()) => tracing::warn!(
                    key = %key.id,
                    "the OS keychain did not give the chain key back: it is kept as a file"
                ),
                Err(why) => tracing::warn!(
                    key = %key.id,
                    "no OS keychain ({why}): the chain key is kept as a 0600 file"
                ),
            }
        }
        let path = self.key_path(&key.id);
        private_dir(&self.dir)?;
        private_dir(path.parent().expect("a key file has a folder"))?;
        let (atomic, mut writer) = AtomicFile::create(&path)?;
        serde_json::to_writer_pretty(&mut writer, &file)
            .map_err(|e| io_error("write", &path, e.into()))?;
        atomic.finish(writer)
    }

    fn anchor_path(&self, book: &str) -> PathBuf {
        self.dir.join("anchors").join(format!("{book}.jsonl"))
    }

    /// Appends `anchor` to the book's anchor file, synced.
    pub(crate) fn append_anchor(&self, book: &str, anchor: &Anchor) -> Result<()> {
        let path = self.anchor_path(book);
        private_dir(&self.dir)?;
        private_dir(path.parent().expect("an anchor file has a folder"))?;
        let mut options = File::options();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&path)
            .map_err(|e| io_error("write", &path, e))?;
        let mut line = serde_json::to_string(anchor).expect("an anchor serialises");
        line.push('\n');
        // A line torn by a crash is closed first, so this anchor starts a line of its own.
        if ends_torn(&mut file).map_err(|e| io_error("read", &path, e))? {
            line.insert(0, '\n');
        }
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error("write", &path, e))
    }

    /// The book's newest anchor. A line that does not read (a torn last write) is skipped.
    pub fn newest_anchor(&self, book: &str) -> Result<Option<Anchor>> {
        let path = self.anchor_path(book);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io_error("read", &path, err)),
        };
        let mut newest = None;
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|e| io_error("read", &path, e))?;
            if let Ok(anchor) = serde_json::from_str::<Anchor>(&line) {
                newest = Some(anchor);
            }
        }
        Ok(newest)
    }
}

/// Whether `file` is non-empty and its last byte is not a line end.
fn ends_torn(file: &mut File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A head shown to a person: the event number and the first 16 hex digits of its hash in
/// groups of four, short enough to write down and compare by eye.
pub fn fingerprint(hash: &str) -> String {
    hash.get(..16)
        .unwrap_or(hash)
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_key_reads_back_and_a_changed_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::new(dir.path().join("trust"));
        let key = ChainKey::generate().unwrap();
        store.save_key(&key, 7, "2026-11-30T00:00:00Z").unwrap();
        let (read, from) = store.key(key.id()).unwrap();
        assert_eq!((read.id(), from), (key.id(), 7));
        assert_eq!(read.mac(&[b"x"]), key.mac(&[b"x"]));
        assert!(store.key("0000000000000000").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&store.key_path(key.id())), 0o600);
            assert_eq!(mode(&dir.path().join("trust/keys")), 0o700);
        }
        // Another key's secret under this key's name is no key at all.
        let other = ChainKey::generate().unwrap();
        let path = store.key_path(key.id());
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace(&hex(&key.secret), &hex(&other.secret))).unwrap();
        assert!(store.key(key.id()).is_none());
    }

    /// A keychain in memory, or one that refuses everything (`None`).
    #[derive(Debug, Default)]
    struct MemoryKeychain(Option<std::sync::Mutex<std::collections::HashMap<String, String>>>);

    impl Keychain for MemoryKeychain {
        fn get(&self, name: &str) -> Option<String> {
            self.0.as_ref()?.lock().unwrap().get(name).cloned()
        }
        fn set(&self, name: &str, secret: &str) -> std::result::Result<(), String> {
            let map = self.0.as_ref().ok_or("no keychain on this system")?;
            map.lock().unwrap().insert(name.into(), secret.into());
            Ok(())
        }
    }

    #[test]
    fn a_key_goes_to_the_keychain_where_one_answers_and_to_a_file_where_none_does() {
        let dir = tempfile::tempdir().unwrap();
        let keychain = Arc::new(MemoryKeychain(Some(Default::default())));
        let store = TrustStore::new(dir.path()).with_keychain(keychain.clone());
        let key = ChainKey::generate().unwrap();
        store.save_key(&key, 3, "2026-12-07T00:00:00Z").unwrap();
        assert!(!store.key_path(key.id()).exists(), "no copy in the folder");
        let (read, from) = store.key(key.id()).unwrap();
        assert_eq!((read.id(), from), (key.id(), 3));
        assert_eq!(read.mac(&[b"x"]), key.mac(&[b"x"]));
        // The folder alone (a copy of it elsewhere) cannot check this key.
        assert!(TrustStore::new(dir.path()).key(key.id()).is_none());

        // No keychain: the key is a file, and a store that has a keychain still reads it.
        let refusing = TrustStore::new(dir.path()).with_keychain(Arc::new(MemoryKeychain(None)));
        let other = ChainKey::generate().unwrap();
        refusing
            .save_key(&other, 9, "2026-12-07T00:00:00Z")
            .unwrap();
        assert!(store.key_path(other.id()).exists());
        assert_eq!(store.key(other.id()).unwrap().1, 9);

        // Another key's secret under this key's name in the keychain is no key at all.
        let text = keychain.get(key.id()).unwrap();
        keychain
            .set(
                key.id(),
                &text.replace(&hex(&key.secret), &hex(&other.secret)),
            )
            .unwrap();
        assert!(store.key(key.id()).is_none());
    }

    #[test]
    fn the_newest_anchor_is_the_last_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::new(dir.path());
        assert_eq!(store.newest_anchor("b").unwrap(), None);
        let anchor = |seq| Anchor {
            seq,
            hash: "ab".repeat(32),
            at: "2026-11-30T00:00:00Z".into(),
            reason: "close".into(),
            key: None,
        };
        store.append_anchor("b", &anchor(3)).unwrap();
        store.append_anchor("b", &anchor(9)).unwrap();
        let path = store.anchor_path("b");
        let mut file = File::options().append(true).open(&path).unwrap();
        file.write_all(b"{\"seq\": 12, \"ha").unwrap();
        assert_eq!(store.newest_anchor("b").unwrap(), Some(anchor(9)));
        store.append_anchor("b", &anchor(13)).unwrap();
        assert_eq!(store.newest_anchor("b").unwrap(), Some(anchor(13)));
        assert_eq!(
            fingerprint(&"0123456789abcdef".repeat(4)),
            "0123-4567-89ab-cdef"
        );
    }
}
