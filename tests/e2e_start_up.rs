//! The start-up cases of issue 11 (item 3), each as the app meets it: a book that is missing,
//! empty, another program's database, damaged, from a newer version, or read-only. Each shows
//! what happened and the way out, and leaves the file as it was; the missing and the damaged
//! book are then taken the way out (a new book, a backup restored) in the same window.
//!
//! Linux only: the app's webview there (WebKitGTK) has a WebDriver, WebKitWebDriver; macOS's
//! WKWebView has none, and the Windows one (msedgedriver) was never tried with this harness.
#![cfg(target_os = "linux")]

mod support;

use std::path::Path;

use chrono::Utc;
use ledger::{Create, Ledger};
use support::*;

fn block_on<F: std::future::Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

/// A real book with the sample data, closed.
fn make_book(path: &Path) {
    block_on(fill_book(path));
}

async fn fill_book(path: &Path) {
    let ledger = Ledger::open(path, Create::IfMissing, Utc::now())
        .await
        .unwrap();
    ledger
        .load_sample_data(&ledger::Origin::manual("Seeder", Utc::now()))
        .await
        .unwrap();
    ledger.close().await;
}

async fn exec(path: &Path, sql: &str) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

#[test]
fn a_missing_book_is_reported_nothing_is_created_and_a_new_one_starts_when_asked() {
    run_prepared(
        "start-up-missing",
        |_| {},
        |s| async move {
            let c = &s.client;
            let card = wait_text(c, "#start-up", |t| t.contains("There is no book here")).await;
            assert!(card.contains("Start a new book"), "{card}");
            assert!(!s.book.exists(), "nothing was created");
            // Asked for, a new book is started and opened in the same window.
            click(c, "#start-new-book").await;
            wait_for(c, "body[data-ready='true']").await;
            assert_eq!(count_of(c, "#start-up").await, 0, "the way out is gone");
            wait_text(c, "#main", |t| t.contains("Payouts")).await;
            assert!(
                s.book.exists(),
                "the new book is where the old one was missing"
            );
            assert_eq!(rows(&s.book, "customers").await, 0, "a new book is empty");
            s
        },
    );
}

/// The book moved elsewhere: "Open a book file…" opens it where it is now, in the same window;
/// a file chosen that is not a book is refused first and left as it was.
#[test]
fn a_missing_book_is_opened_where_it_is_now_and_a_file_that_is_not_one_is_refused() {
    run_prepared(
        "start-up-open-book-file",
        |_| {},
        |s| async move {
            let c = &s.client;
            let card = wait_text(c, "#start-up", |t| t.contains("There is no book here")).await;
            assert!(card.contains("Open a book file"), "{card}");
            save_screenshot(c, "start-up-missing-card").await;
            // First the wrong file: a statement export, not a book.
            let csv = "Date,Description,Amount\n2026-11-02,PayPal transfer,-25.00\n";
            std::fs::write(&s.to_open, csv).unwrap();
            click(c, "#open-book-file").await;
            wait_text(c, "#start-up .outcome", |t| t.contains("not a book")).await;
            let card = wait_text(c, "#start-up", |t| t.contains("not a book")).await;
            assert!(
                card.contains("There is no book here") && card.contains("Start a new book"),
                "still about the missing book: {card}"
            );
            assert_eq!(
                std::fs::read_to_string(&s.to_open).unwrap(),
                csv,
                "left as it was"
            );
            // Then the book, moved there.
            std::fs::remove_file(&s.to_open).unwrap();
            fill_book(&s.to_open).await;
            click(c, "#open-book-file").await;
            wait_for(c, "body[data-ready='true']").await;
            assert_eq!(count_of(c, "#start-up").await, 0, "the way out is gone");
            wait_text(c, "#main", |t| t.contains("PO-")).await;
            let shown = wait_text(c, "#operator", |t| t.contains("Book:")).await;
            assert!(
                shown.contains(&s.to_open.display().to_string()),
                "the book chosen is open: {shown}"
            );
            assert!(
                !s.book.exists(),
                "nothing was created where the book was missing"
            );
            s
        },
    );
}

/// A choice that is refused changes nothing: a backup chosen in "Open a book file…" is pointed
/// to Restore, a file that is not a book is refused, and the backup restored afterwards goes
/// where the missing book was, not over the file chosen.
#[test]
fn a_refused_choice_leaves_the_missing_book_the_one_a_restore_is_for() {
    run_prepared(
        "start-up-refused-choice",
        |book| {
            let backups = book.with_file_name("backups");
            std::fs::create_dir_all(&backups).unwrap();
            make_book(&backups.join("automatic-20261201T090000Z.sqlite"));
        },
        |s| async move {
            let c = &s.client;
            wait_text(c, "#start-up", |t| t.contains("There is no book here")).await;
            // A backup (through a link, as a file dialog may hand one): pointed to Restore.
            let backup = s
                .book
                .with_file_name("backups")
                .join("automatic-20261201T090000Z.sqlite");
            std::os::unix::fs::symlink(&backup, &s.to_open).unwrap();
            click(c, "#open-book-file").await;
            let said = wait_text(c, "#start-up .outcome", |t| !t.is_empty()).await;
            assert!(said.contains("one of the book's backups"), "{said}");
            assert!(said.contains("Restore"), "{said}");
            // A file that is not a book: refused.
            std::fs::remove_file(&s.to_open).unwrap();
            let csv = "Date,Description,Amount\n2026-11-02,PayPal transfer,-25.00\n";
            std::fs::write(&s.to_open, csv).unwrap();
            click(c, "#open-book-file").await;
            let card = wait_text(c, "#start-up", |t| t.contains("not a book")).await;
            assert!(card.contains("There is no book here"), "{card}");
            assert!(card.contains("automatic-20261201T090000Z.sqlite"), "{card}");
            // The backup restored now goes where the book was missing.
            click(c, "#start-backups button").await;
            wait_for(c, "body[data-ready='true']").await;
            assert!(rows(&s.book, "customers").await > 0, "the book is restored");
            assert_eq!(
                std::fs::read_to_string(&s.to_open).unwrap(),
                csv,
                "the file chosen is left as it was"
            );
            s
        },
    );
}

#[test]
fn an_empty_file_is_refused_and_left_empty() {
    run_prepared(
        "start-up-empty",
        |book| std::fs::write(book, b"").unwrap(),
        |s| async move {
            let c = &s.client;
            wait_text(c, "#start-up", |t| t.contains("is empty (0 bytes)")).await;
            assert_eq!(std::fs::metadata(&s.book).unwrap().len(), 0);
            s
        },
    );
}

#[test]
fn another_programs_database_is_refused_byte_for_byte_untouched() {
    run_prepared(
        "start-up-not-a-book",
        |book| {
            block_on(exec(
                book,
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",
            ));
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(book, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
            std::fs::copy(book, book.with_extension("before")).unwrap();
        },
        |s| async move {
            let c = &s.client;
            wait_text(c, "#start-up", |t| {
                t.contains("not an Incentise Payouts book")
            })
            .await;
            let before = std::fs::read(s.book.with_extension("before")).unwrap();
            assert_eq!(
                std::fs::read(&s.book).unwrap(),
                before,
                "not a byte changed"
            );
            assert!(
                !s.book.with_extension("sqlite-wal").exists(),
                "no WAL switch"
            );
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&s.book).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o644, "no chmod");
            }
            s
        },
    );
}

#[test]
fn a_damaged_book_is_named_damaged_and_a_backup_restores_in_the_same_window() {
    run_prepared(
        "start-up-damaged",
        |book| {
            make_book(book);
            let backups = book.with_file_name("backups");
            std::fs::create_dir_all(&backups).unwrap();
            std::fs::copy(book, backups.join("manual-20260301T090000Z.sqlite")).unwrap();
            // Pages 2 to 40 overwritten, as a failing disk would.
            let mut bytes = std::fs::read(book).unwrap();
            let end = bytes.len().min(40 * 4096);
            bytes[4096..end].fill(0xA5);
            std::fs::write(book, bytes).unwrap();
        },
        |s| async move {
            let c = &s.client;
            let card = wait_text(c, "#start-up", |t| t.contains("could not be opened")).await;
            assert!(card.contains("damaged"), "{card}");
            let offered = wait_text(c, "#start-backups", |t| !t.is_empty()).await;
            assert!(
                offered.contains("manual-20260301T090000Z.sqlite"),
                "{offered}"
            );
            assert!(card.contains("Choose a backup file"), "{card}");
            // Restoring the backup opens it in the same window; the damaged file is kept.
            click(c, "#start-backups button").await;
            wait_for(c, "body[data-ready='true']").await;
            assert_eq!(count_of(c, "#start-up").await, 0, "the way out is gone");
            assert!(
                rows(&s.book, "customers").await > 0,
                "the backup's customers"
            );
            let kept: Vec<String> = std::fs::read_dir(s.book.with_file_name("backups"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                kept.iter().any(|name| name.starts_with("before-restore-")),
                "the damaged book is kept among the backups: {kept:?}"
            );
            s
        },
    );
}

#[test]
fn a_book_of_a_newer_version_is_refused() {
    run_prepared(
        "start-up-newer",
        |book| {
            make_book(book);
            block_on(exec(
                book,
                "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
                 VALUES (9999, 'from the future', '2027-01-01', 1, x'00', 0)",
            ));
        },
        |s| async move {
            let c = &s.client;
            wait_text(c, "#start-up", |t| t.contains("newer version")).await;
            s
        },
    );
}

#[test]
fn a_read_only_book_opens_read_only_and_stays_so() {
    run_prepared(
        "start-up-read-only",
        |book| {
            make_book(book);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(book, std::fs::Permissions::from_mode(0o444)).unwrap();
            }
        },
        |s| async move {
            let c = &s.client;
            wait_text(c, "#read-only", |t| t.contains("open read-only")).await;
            wait_text(c, "#payouts-table tbody", |t| t.contains("PO-")).await;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&s.book).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o444, "the owner's protection stays");
            }
            s
        },
    );
}

#[test]
fn a_book_open_in_another_program_is_refused_left_alone_and_opens_once_let_go() {
    run_prepared(
        "start-up-held",
        |book| {
            make_book(book);
            // Another program holds the book's OS lock, as a second window of the app would.
            let lock = std::fs::File::create(book.with_file_name("book.sqlite.lock")).unwrap();
            lock.try_lock().unwrap();
            *HELD.lock().unwrap() = Some(lock);
            std::fs::copy(book, book.with_extension("before")).unwrap();
        },
        |s| async move {
            let c = &s.client;
            let card = wait_text(c, "#start-up", |t| {
                t.contains("open in another window or program")
            })
            .await;
            assert!(
                card.contains("Use the window that has the book open"),
                "{card}"
            );
            assert_eq!(
                count_of(c, "#start-backups").await,
                0,
                "no restore over a held book"
            );
            assert_eq!(
                std::fs::read(&s.book).unwrap(),
                std::fs::read(s.book.with_extension("before")).unwrap(),
                "not a byte changed"
            );
            // Closed there, the book opens here on "Try again".
            HELD.lock().unwrap().take();
            click(c, "#open-again").await;
            wait_for(c, "body[data-ready='true']").await;
            assert_eq!(count_of(c, "#start-up").await, 0, "the way out is gone");
            wait_text(c, "#main", |t| t.contains("PO-")).await;
            s
        },
    );
}

/// The lock "another program" holds in the test above, until the test lets it go.
static HELD: std::sync::Mutex<Option<std::fs::File>> = std::sync::Mutex::new(None);

/// A second launch on the same book, on a desktop with a session bus, hands over to the window
/// already open: that window comes forward and says so, and the second process ends at once,
/// before it opens the book. (Without a session bus the lock refuses it, as in the test above.)
#[test]
fn a_second_launch_brings_the_open_window_forward_and_ends() {
    let bus = SessionBus::start();
    let address = bus.address.clone();
    run_with_env(
        "start-up-second-launch",
        &[("DBUS_SESSION_BUS_ADDRESS", &bus.address)],
        |s| async move {
            let c = &s.client;
            wait_for(c, "body[data-ready='true']").await;
            let mut second = launch_again(&s.book, &[("DBUS_SESSION_BUS_ADDRESS", &address)]);
            let started = std::time::Instant::now();
            let status = loop {
                if let Some(status) = second.try_wait().unwrap() {
                    break status;
                }
                if started.elapsed() > std::time::Duration::from_secs(30) {
                    let _ = second.kill();
                    panic!("the second launch did not end within 30 s");
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            };
            assert!(status.success(), "the second launch ends quietly: {status}");
            let said = wait_text(c, "#toast", |t| t.contains("already open")).await;
            assert!(said.contains("this is its window"), "{said}");
            assert_eq!(
                count_of(c, "#start-up").await,
                0,
                "the first window keeps its book"
            );
            s
        },
    );
    drop(bus);
}

/// A private D-Bus session bus, as a desktop session has, for one test; stopped when dropped.
struct SessionBus {
    daemon: std::process::Child,
    address: String,
}

impl SessionBus {
    fn start() -> SessionBus {
        use std::io::BufRead;
        let mut daemon = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect(
                "start dbus-daemon (Debian package `dbus`, installed by scripts/setup.sh --test)",
            );
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "dbus-daemon said {address:?}");
        SessionBus { daemon, address }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// The window shows at once and says the book is opening while it opens (a large book's
/// upgrade takes a minute); then the book's first screen follows by itself.
#[test]
fn the_window_says_the_book_is_opening_until_it_is_open() {
    run_opening_slowly("start-up-opening", 3_000, |s| async move {
        let c = &s.client;
        let card = wait_text(c, "#opening", |t| t.contains("Opening the book")).await;
        assert!(!card.is_empty());
        save_screenshot(c, "start-up-opening-card").await;
        wait_for(c, "body[data-ready='true']").await;
        assert_eq!(count_of(c, "#opening").await, 0);
        wait_text(c, "#main", |t| t.contains("Payouts")).await;
        s
    });
}

/// The window reopens at the size it was left, written down while the app ran (so a crash keeps
/// it too), not only when it closed.
#[test]
fn the_window_reopens_at_the_size_it_was_left() {
    run_seeded(
        "window-reopens",
        |ledger| async move { ledger },
        |s| async move {
            let c = &s.client;
            wait_for(c, "body[data-ready='true']").await;
            c.set_window_size(1000, 700).await.unwrap();
            let kept = s
                .book
                .with_file_name("config")
                .join("com.incentise.payouts")
                .join(".window-state.json");
            let started = std::time::Instant::now();
            while !std::fs::read_to_string(&kept).is_ok_and(|t| t.contains("1000")) {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(10),
                    "the size was not written down while the app ran"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            c.clone().close().await.unwrap();
            let again = start_again(&s).await;
            assert_eq!(again.client.get_window_size().await.unwrap(), (1000, 700));
            s
        },
    );
}

/// The parent of process `pid`.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (name) state ppid …"; the name may hold spaces, the ")" ends it.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The web processes (`WebKitWebProcess`) of the app started on `book`: children of the
/// process whose environment names the book (WebKitGTK without its bubblewrap sandbox, as
/// webkit2gtk-4.1 runs here, starts them as the app's children).
fn web_processes_of(book: &Path) -> Vec<u32> {
    let wanted = format!("INCENTISE_DB={}", book.display());
    let holds_book = |pid: u32| {
        std::fs::read(format!("/proc/{pid}/environ"))
            .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == wanted.as_bytes()))
    };
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmd| String::from_utf8_lossy(&cmd).contains("WebKitWebProcess"))
                && parent_of(pid).is_some_and(holds_book)
        })
        .collect()
}

/// The page's web process crashes (killed here): the app reloads the page, and the page, back,
/// asks the app whether it was reloaded (the banner that says so is drawn from that answer). WebKit's WebDriver session ends with the
/// web process, so the test follows through the app's log and its processes.
#[test]
fn a_crashed_page_reloads_and_says_so() {
    run("page-reloaded", |s| async move {
        let c = &s.client;
        open_screen(c, "customers").await;
        let killed = web_processes_of(&s.book);
        assert!(!killed.is_empty(), "the app's web process is found");
        for pid in &killed {
            std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()
                .unwrap();
        }
        let started = std::time::Instant::now();
        loop {
            let log = app_log(&s.book);
            if log.contains("the page's web process ended; the page is reloaded")
                && log.contains("the page was reloaded after its web process ended, and said so")
            {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "the page did not come back and say so; the log:\n{log}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        // A new web process serves the page.
        let now = web_processes_of(&s.book);
        assert!(
            !now.is_empty() && now.iter().all(|p| !killed.contains(p)),
            "{now:?}"
        );
        // The WebDriver session ended with the old web process; the app is ended here.
        for pid in now.iter().filter_map(|&p| parent_of(p)) {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        s
    });
}
