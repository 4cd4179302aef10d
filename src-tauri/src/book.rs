//! The app's one piece of state: the open book (or why it could not be opened) and the name
//! the audit trail records for this operator.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use chrono::Utc;
use ledger::anchors::RESTORE;
use ledger::backups::apply_pending_restore;
use ledger::chain::TrustStore;
use ledger::{Create, Error, Ledger, Origin, Source};
use tauri::Manager;

/// Set to a file path to use that book instead of the one in the app-data folder (tests).
pub const BOOK_ENV: &str = "INCENTISE_DB";
const BOOK_FILE: &str = "book.sqlite";
/// Written next to the book once it exists: from then on a missing book is an error to
/// report, never a reason to start an empty one silently.
const CREATED_MARKER: &str = "book-created";
/// Written in the app-data folder when the user opened a book kept elsewhere ("Open a book
/// file…" on the start-up screen): its path, the book every later start opens.
const LOCATION_FILE: &str = "book-location";
/// The trust folder's name in the app's config folder (see `ledger::chain`); the command-line
/// program looks there too.
pub const TRUST_DIR: &str = "trust";

pub struct Book {
    /// Opened again in place when the start-up screen starts a new book or restores one.
    ledger: RwLock<Result<Ledger, Error>>,
    /// Where the book is (or should be), also when it could not be opened.
    path: RwLock<Option<PathBuf>>,
    /// The book file the user chose on the start-up screen, opened instead of the usual one.
    chosen: RwLock<Option<PathBuf>>,
    /// While the book opens at start-up: what is being done, for the start-up screen.
    opening: Mutex<Option<String>>,
    /// The name the audit trail records for changes made here (Settings may change it).
    operator: Mutex<String>,
    /// The long work under way (an export): rows done, and whether the user asked to stop.
    pub work: Work,
    /// The file the user chose while mapping its columns, of each kind.
    held: Mutex<HashMap<Held, PathBuf>>,
    /// The page was reloaded after its web process crashed, and has not said so yet.
    reloaded: AtomicBool,
}

/// What a file chosen for a column mapping is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Held {
    /// A bank statement.
    Statement,
    /// Customers or requests to import.
    Records,
}

/// Progress and cancellation of the one long job the UI runs at a time, and what it is while
/// it runs (closing the window then asks first, see `closing`).
#[derive(Default)]
pub struct Work {
    rows: AtomicU64,
    cancel: AtomicBool,
    /// The job under way: its number and what it is.
    running: Mutex<Option<(u64, &'static str)>>,
    started: AtomicU64,
    /// The window is asking whether to close while the job runs (one question at a time).
    pub asking: AtomicBool,
}

/// A job under way: `Work::running` names it until this is dropped, whether the job ends
/// done, refused or cancelled (a later job's name is left alone).
#[must_use = "the job runs while this lives"]
pub struct Job<'a>(&'a Work, u64);

impl Drop for Job<'_> {
    fn drop(&mut self) {
        let mut running = self.0.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.is_some_and(|(id, _)| id == self.1) {
            *running = None;
        }
    }
}

impl Work {
    /// Starts a job, `what` in words ("An import"): the counters reset, its name kept until
    /// the returned guard is dropped.
    pub fn start(&self, what: &'static str) -> Job<'_> {
        let id = self.started.fetch_add(1, Ordering::Relaxed) + 1;
        self.rows.store(0, Ordering::Relaxed);
        self.cancel.store(false, Ordering::Relaxed);
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some((id, what));
        Job(self, id)
    }

    /// What runs now, if anything.
    pub fn running(&self) -> Option<&'static str> {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map(|(_, what)| what)
    }

    /// Records progress; answers whether to go on.
    pub fn report(&self, rows: u64) -> bool {
        self.rows.store(rows, Ordering::Relaxed);
        !self.cancel.load(Ordering::Relaxed)
    }

    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Book {
    pub fn new(ledger: Ledger, operator: impl Into<String>) -> Book {
        Book {
            path: RwLock::new(Some(ledger.path().to_owned())),
            chosen: RwLock::default(),
            ledger: RwLock::new(Ok(ledger)),
            opening: Mutex::default(),
            operator: Mutex::new(operator.into()),
            work: Work::default(),
            held: Mutex::default(),
            reloaded: AtomicBool::new(false),
        }
    }

    /// A book that is still opening: the window shows at once and says what is being done
    /// until [`Book::reopen`] has opened it (a large book's upgrade can take a minute).
    pub fn opening() -> Book {
        Book {
            path: RwLock::default(),
            chosen: RwLock::default(),
            ledger: RwLock::new(Err(Error::Precondition(
                "The book is still opening; wait a moment.".into(),
            ))),
            opening: Mutex::new(Some(OPENING.into())),
            operator: Mutex::new(system_user()),
            work: Work::default(),
            held: Mutex::default(),
            reloaded: AtomicBool::new(false),
        }
    }

    /// Opens the book as [`open_book`] does, at start-up or again after the start-up screen
    /// started a new book or scheduled a restore of one that could not be opened (no other
    /// part of the app holds it then); a failure to open is kept and shown by the UI instead
    /// of the screens.
    pub async fn reopen<R: tauri::Runtime>(&self, app: &tauri::AppHandle<R>) {
        let say = |doing: &str| {
            *self.opening.lock().unwrap_or_else(|e| e.into_inner()) = Some(doing.into())
        };
        let chosen = self
            .chosen
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let (ledger, path) = open_book(app, chosen, &system_user(), &say).await;
        if let Ok(ledger) = &ledger {
            if let Some(name) = ledger.operator_name().await.ok().flatten() {
                self.set_operator(name);
            }
        }
        *self.path.write().unwrap_or_else(|e| e.into_inner()) = path;
        *self.ledger.write().unwrap_or_else(|e| e.into_inner()) = ledger;
        *self.opening.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Opens the book file at `path`, chosen by the user on the start-up screen, in place of
    /// the one that could not be opened; once it opens, every later start opens it too
    /// (unless `$INCENTISE_DB` names a book). A file that is not a book is refused and left
    /// as it is, as at every start: the answer says why, and the start-up screen stays on the
    /// book that could not be opened (a restore or a new book is still for that one).
    pub async fn open_chosen<R: tauri::Runtime>(
        &self,
        app: &tauri::AppHandle<R>,
        path: PathBuf,
    ) -> Result<(), Error> {
        let earlier = self
            .chosen
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .replace(path);
        self.reopen(app).await;
        let Err(refused) = self.ledger() else {
            return Ok(());
        };
        *self.chosen.write().unwrap_or_else(|e| e.into_inner()) = earlier;
        self.reopen(app).await;
        Err(refused)
    }

    /// Where the book is (or should be), also when it could not be opened.
    pub fn path(&self) -> Option<PathBuf> {
        self.path.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What is being done while the book opens; `None` once it is open or could not be.
    pub fn opening_now(&self) -> Option<String> {
        self.opening
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Why the book is not open, for the start-up screen: `missing` (a new book may be started
    /// there), `held` (open in another window), `refused` (not a book, empty, newer), or
    /// `damaged`; with the sentence to show.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.opening_now().is_some() {
            return None;
        }
        let ledger = self.ledger.read().unwrap_or_else(|e| e.into_inner());
        let err = ledger.as_ref().err()?;
        let kind = match err {
            Error::NotFound(_) => "missing",
            Error::Conflict(_) => "held",
            Error::Precondition(_) | Error::Refused(_) => "refused",
            _ => "damaged",
        };
        Some((kind, err.to_string()))
    }

    /// The open book (a cheap handle on its pools).
    pub fn ledger(&self) -> Result<Ledger, Error> {
        match &*self.ledger.read().unwrap_or_else(|e| e.into_inner()) {
            Ok(ledger) => Ok(ledger.clone()),
            // Held by another window: the UI says to use that one.
            Err(Error::Conflict(message)) => Err(Error::Conflict(message.clone())),
            Err(err) => Err(Error::Storage(err.to_string())),
        }
    }

    /// Keeps the file the user chose (its path never reaches the webview) for later previews
    /// and the import.
    pub fn hold(&self, kind: Held, path: PathBuf) {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(kind, path);
    }

    pub fn held(&self, kind: Held) -> Result<PathBuf, Error> {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&kind)
            .cloned()
            .ok_or_else(|| {
                Error::validation(
                    "file",
                    match kind {
                        Held::Statement => "Choose the statement file first.",
                        Held::Records => "Choose the file to import first.",
                    },
                )
            })
    }

    /// Remembers that the page was reloaded after its web process crashed (`page_crash`).
    pub fn page_reloaded(&self) {
        self.reloaded.store(true, Ordering::Relaxed);
    }

    /// Whether the page was reloaded after a crash since this was last asked.
    pub fn take_page_reloaded(&self) -> bool {
        self.reloaded.swap(false, Ordering::Relaxed)
    }

    pub fn operator(&self) -> String {
        self.operator
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_operator(&self, name: String) {
        *self.operator.lock().unwrap_or_else(|e| e.into_inner()) = name;
    }

    /// Who is changing the book, by hand, now.
    pub fn origin(&self) -> Origin {
        self.origin_of(Source::Manual)
    }

    pub fn origin_of(&self, source: Source) -> Origin {
        Origin {
            operator: self.operator(),
            source,
            at: Utc::now(),
        }
    }
}

/// What the start-up screen says while the book opens.
const OPENING: &str = "Checking the book and bringing its search indexes up to date…";
const UPGRADING: &str = "Bringing the book up to date for this version of the app: a copy is saved in the backups first, then the book is upgraded and its search indexes are built. A large book takes a minute or two; nothing is lost if the app is closed meanwhile.";

/// For the end-to-end tests of the start-up screen: `INCENTISE_SLOW_OPEN_MS` delays the
/// open, in a build with the `test-hooks` feature only.
async fn slow_open_for_tests() {
    if cfg!(feature = "test-hooks") {
        if let Some(ms) = std::env::var("INCENTISE_SLOW_OPEN_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
    }
}

fn system_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "Owner".into())
}

/// Opens the book at `$INCENTISE_DB`, or in the OS app-data folder, first carrying out a
/// scheduled restore; then starts the day's automatic backup in the background. Answers the
/// book (or why it could not be opened) and where it is.
async fn open_book<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    chosen: Option<PathBuf>,
    system: &str,
    say: &(dyn Fn(&str) + Sync),
) -> (Result<Ledger, Error>, Option<PathBuf>) {
    let remember = chosen.is_some() && std::env::var_os(BOOK_ENV).is_none();
    let (path, create) = match book_path(app, chosen) {
        Ok(found) => found,
        Err(err) => {
            tracing::error!("the book could not be opened: {err}");
            return (Err(err), None);
        }
    };
    slow_open_for_tests().await;
    if ledger::store::upgrade_pending(&path).await {
        say(UPGRADING);
    }
    let restored = apply_pending_restore(&path, Utc::now(), trust_store(app).ok()).await;
    let opened = match trust_store(app) {
        Ok(trust) => open(&path, create, trust).await,
        Err(err) => Err(err),
    };
    let ledger = match opened {
        Ok(ledger) => ledger,
        Err(err) => {
            tracing::error!("the book could not be opened: {err}");
            return (Err(err), Some(path));
        }
    };
    if create == Create::IfMissing && std::env::var_os(BOOK_ENV).is_none() {
        mark_created(&path);
    }
    if remember {
        remember_location(app, &path);
    }
    // Only a restore carried out starts the anchor file's story again: a schedule that
    // failed (or that someone wrote beside the book) leaves the anchors as they were, so a
    // cut-off book still reads as cut off.
    let (note, carried_out) = match restored {
        Ok(None) => (None, false),
        Ok(Some(done)) => (Some(done), true),
        // The book as it was opens; the ledger dropped the schedule.
        Err(err) => (
            Some(format!("The scheduled restore was not carried out: {err}")),
            false,
        ),
    };
    if let Some(note) = note {
        let origin = Origin::manual(system, Utc::now());
        if let Err(err) = ledger.record_restore(&origin, &note).await {
            tracing::error!("{note} ({err})");
        }
    }
    if carried_out {
        if let Err(err) = ledger.anchor(RESTORE, Utc::now()).await {
            tracing::error!("the restored book's head was not written down: {err}");
        }
    }
    // A read-only book is not backed up: the backup could not be recorded.
    if ledger.writable() {
        let ledger = ledger.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(err) = ledger.automatic_backup(Utc::now()).await {
                tracing::error!("the automatic backup failed: {err}");
            }
        });
    }
    (Ok(ledger), Some(path))
}

/// Opens the book at `path`: keyed for writing, or read-only when its owner made the file or
/// its folder read-only (never made writable again); a file that is not a book is refused
/// before anything touches it either way.
async fn open(path: &std::path::Path, create: Create, trust: TrustStore) -> Result<Ledger, Error> {
    if path.exists() && !ledger::store::can_write(path) {
        ledger::store::preflight(path).await?;
        tracing::warn!(book = %path.display(), "the book is read-only: opened for reading only");
        return Ok(Ledger::open_read_only(path).await?.with_trust(trust));
    }
    Ledger::open_keyed(path, create, Utc::now(), trust).await
}

/// The book's path, and whether it may be created: only on the very first run with the
/// default book. A book that is missing later (or at `$INCENTISE_DB`) is reported, and a new
/// one is started only when the user asks ([`start_new_book`]). The order: the file the user
/// just chose, `$INCENTISE_DB`, the book the user chose before, the app-data folder's.
fn book_path<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    chosen: Option<PathBuf>,
) -> Result<(PathBuf, Create), Error> {
    if let Some(path) = chosen.or_else(|| std::env::var_os(BOOK_ENV).map(PathBuf::from)) {
        return Ok((path, Create::Never));
    }
    let dir = app_data_dir(app)?;
    if let Some(path) = remembered_location(&dir) {
        return Ok((path, Create::Never));
    }
    let create = if dir.join(CREATED_MARKER).exists() {
        Create::Never
    } else {
        Create::IfMissing
    };
    Ok((dir.join(BOOK_FILE), create))
}

/// The local app-data folder (made private): on Windows the roaming one would copy the book
/// between machines at sign-in and sign-out; elsewhere the two are the same folder.
fn app_data_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Result<PathBuf, Error> {
    let dir = app
        .path()
        .app_local_data_dir()
        .map_err(|e| Error::Storage(format!("The app-data folder cannot be found: {e}.")))?;
    ledger::private_dir(&dir)?;
    Ok(dir)
}

/// The book the user chose on the start-up screen before, if any (see [`LOCATION_FILE`]).
fn remembered_location(app_data: &std::path::Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(app_data.join(LOCATION_FILE)).ok()?;
    let path = text.trim_end_matches(['\r', '\n']);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Writes down `book` as the book every later start opens.
fn remember_location<R: tauri::Runtime>(app: &tauri::AppHandle<R>, book: &std::path::Path) {
    let written = app_data_dir(app)
        .and_then(|dir| write_location(&dir, book).map_err(|e| Error::Storage(e.to_string())));
    match written {
        Ok(()) => tracing::info!(book = %book.display(), "the book chosen is opened from now on"),
        Err(err) => tracing::error!("could not write down the book chosen: {err}"),
    }
}

fn write_location(app_data: &std::path::Path, book: &std::path::Path) -> std::io::Result<()> {
    std::fs::write(
        app_data.join(LOCATION_FILE),
        book.to_string_lossy().as_bytes(),
    )
}

/// Where the audit chain's keys and anchors live: the OS keychain (keys, where it answers) and
/// the app's config folder, never beside the book, so a copy of the book (or its folder) does
/// not carry what checks it.
pub fn trust_store<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Result<TrustStore, Error> {
    trust_dir(app)
        .map(TrustStore::for_app)
        .ok_or_else(|| Error::Storage("The app's config folder cannot be found.".into()))
}

pub fn trust_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<PathBuf> {
    app.path().app_config_dir().ok().map(|d| d.join(TRUST_DIR))
}

/// The OS log folder of the app.
pub fn log_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<PathBuf> {
    app.path().app_log_dir().ok()
}

/// Starts a new, empty book at `path`, which must not exist: the start-up screen's answer to a
/// missing book, when the user asks for it.
pub async fn start_new_book<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    path: &std::path::Path,
) -> Result<(), Error> {
    if path.exists() {
        return Err(Error::Conflict(format!(
            "{} exists; a new book is only started where there is none.",
            path.display()
        )));
    }
    let ledger = Ledger::open_keyed(path, Create::IfMissing, Utc::now(), trust_store(app)?).await?;
    ledger.close().await;
    if std::env::var_os(BOOK_ENV).is_none() {
        mark_created(path);
    }
    tracing::info!(book = %path.display(), "a new book was started on the user's request");
    Ok(())
}

fn mark_created(book: &std::path::Path) {
    if let Some(dir) = book.parent() {
        if let Err(err) = std::fs::write(dir.join(CREATED_MARKER), book.display().to_string()) {
            tracing::error!("could not write {CREATED_MARKER}: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_chosen_is_written_down_and_read_back_as_it_was() {
        let app_data = tempfile::tempdir().unwrap();
        assert_eq!(
            remembered_location(app_data.path()),
            None,
            "none chosen yet"
        );
        let book = app_data.path().join("Büro Kassen/book 2026.sqlite");
        write_location(app_data.path(), &book).unwrap();
        assert_eq!(remembered_location(app_data.path()), Some(book));
        // Written by hand with a line end, or emptied: read as meant.
        std::fs::write(
            app_data.path().join(LOCATION_FILE),
            "/srv/books/shop.sqlite\r\n",
        )
        .unwrap();
        assert_eq!(
            remembered_location(app_data.path()),
            Some(PathBuf::from("/srv/books/shop.sqlite"))
        );
        std::fs::write(app_data.path().join(LOCATION_FILE), "").unwrap();
        assert_eq!(remembered_location(app_data.path()), None);
    }
}
