//! End-to-end harness: the real app, built by cargo, driven through tauri-driver and
//! WebKitWebDriver like a person would, each test with its own temp book.
//!
//! Runs under an X display (the test command wraps `cargo test` in `xvfb-run`). Tests take a
//! global lock, since WebKitWebDriver holds one session at a time; each gets its own driver on
//! free ports, and the driver is stopped with SIGTERM so it takes the app down with it.

// Each test binary uses a part of the harness.
#![allow(dead_code)]

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use fantoccini::error::NewSessionError;
use fantoccini::{Client, ClientBuilder, Locator};
use ledger::{Create, Ledger};
use serde_json::{json, Value};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const APP: &str = env!("CARGO_BIN_EXE_incentise-payouts");
const PATIENCE: Duration = Duration::from_secs(10);

pub struct Session {
    pub client: Client,
    pub book: PathBuf,
    /// Where the app saves files instead of asking in a dialog (`INCENTISE_SAVE_DIR`).
    pub saved: PathBuf,
    /// The file the app opens instead of asking in a dialog (`INCENTISE_OPEN_FILE`); a test
    /// writes it before it clicks.
    pub to_open: PathBuf,
    /// When the WebDriver session that starts the app was asked for.
    pub launched: Instant,
}

/// Starts the app on a fresh book, runs `flow`, saves a screenshot of the final screen as
/// `target/e2e-shots/<name>.png` (also when the flow fails), and stops everything.
pub fn run<F, Fut>(name: &str, flow: F)
where
    F: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = Session> + Send + 'static,
{
    run_seeded(name, |ledger| async move { ledger }, flow);
}

/// Like [`run`], on a book that `seed` fills through the ledger before the app starts.
pub fn run_seeded<S, SFut, F, Fut>(name: &str, seed: S, flow: F)
where
    S: FnOnce(Ledger) -> SFut,
    SFut: Future<Output = Ledger>,
    F: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = Session> + Send + 'static,
{
    run_prepared(name, |book| seed_book(book, seed), flow);
}

/// Creates the book at `book` and lets `seed` fill it through the ledger.
fn seed_book<S, SFut>(book: &Path, seed: S)
where
    S: FnOnce(Ledger) -> SFut,
    SFut: Future<Output = Ledger>,
{
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let ledger = Ledger::open(book, Create::IfMissing, Utc::now())
                .await
                .expect("create the test book");
            seed(ledger).await.close().await;
        })
}

/// Like [`run`], with whatever `prepare` leaves at the book's path (nothing, an empty file,
/// another program's database, a damaged book) before the app starts: the start-up cases.
pub fn run_prepared<P, F, Fut>(name: &str, prepare: P, flow: F)
where
    P: FnOnce(&Path),
    F: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = Session> + Send + 'static,
{
    run_app(name, prepare, &[], "body[data-ready]", flow);
}

/// Like [`run`], with the app's open of the book delayed by `delay_ms` (a test hook), and
/// `flow` started as soon as the window says the book is opening.
pub fn run_opening_slowly<F, Fut>(name: &str, delay_ms: u64, flow: F)
where
    F: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = Session> + Send + 'static,
{
    let delay = delay_ms.to_string();
    run_app(
        name,
        |book| seed_book(book, |ledger| async move { ledger }),
        &[("INCENTISE_SLOW_OPEN_MS", &delay)],
        "#opening",
        flow,
    );
}

/// Like [`run`], with `envs` added to the app's environment.
pub fn run_with_env<F, Fut>(name: &str, envs: &[(&str, &str)], flow: F)
where
    F: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = Session> + Send + 'static,
{
    run_app(
        name,
        |book| seed_book(book, |ledger| async move { ledger }),
        envs,
        "body[data-ready]",
        flow,
    );
}

/// The app started once more on `book`, outside WebDriver, as a person would start it a
/// second time: the same environment as the first (see [`Driver::start`]) plus `envs`.
pub fn launch_again(book: &Path, envs: &[(&str, &str)]) -> Child {
    Command::new(APP)
        .envs(book_env(book))
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the app a second time")
}

/// Where the app finds its book, keys, anchors and log in a test: all beside the test's book.
fn book_env(book: &Path) -> [(&'static str, PathBuf); 3] {
    [
        ("INCENTISE_DB", book.to_path_buf()),
        ("XDG_CONFIG_HOME", book.with_file_name("config")),
        ("XDG_DATA_HOME", book.with_file_name("data")),
    ]
}

/// Starts the app with `envs` on what `prepare` left at the book's path, waits for `ready`,
/// runs `flow` and saves the final screen.
fn run_app<P, F, Fut>(name: &str, prepare: P, envs: &[(&str, &str)], ready: &str, flow: F)
where
    P: FnOnce(&Path),
    F: FnOnce(Session) -> Fut + Send + 'static,
    Fut: Future<Output = Session> + Send + 'static,
{
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    assert!(
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
        "the end-to-end tests need a display: run them through the README's test command, or under `xvfb-run -a`"
    );
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book.sqlite");
    let saved = dir.path().join("saved");
    std::fs::create_dir(&saved).unwrap();
    let to_open = dir.path().join("statement.csv");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    prepare(&book);
    let mut driver = Driver::start(&book, &saved, &to_open, envs);
    let outcome = runtime.block_on(async {
        let launched = Instant::now();
        let client = tokio::time::timeout(Duration::from_secs(60), connect(driver.port))
            .await
            .expect("the WebDriver session did not open within 60 s: does the app start?");
        wait_for(&client, ready).await;
        let shot_client = client.clone();
        let result = tokio::spawn(async move {
            flow(Session {
                client,
                book,
                saved,
                to_open,
                launched,
            })
            .await
        })
        .await;
        save_screenshot(&shot_client, name).await;
        let _ = shot_client.close().await;
        result
    });
    driver.stop();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

/// The app started again on the session's book and folders, once the test has ended the first
/// run (`client.close()` ends the app): a second WebDriver session, its driver stopped when
/// this is dropped.
pub struct Again {
    pub client: Client,
    _driver: Driver,
}

pub async fn start_again(s: &Session) -> Again {
    let driver = Driver::start(&s.book, &s.saved, &s.to_open, &[]);
    let client = tokio::time::timeout(Duration::from_secs(60), connect(driver.port))
        .await
        .expect("the second WebDriver session did not open within 60 s");
    wait_for(&client, "body[data-ready]").await;
    Again {
        client,
        _driver: driver,
    }
}

struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(book: &Path, saved: &Path, to_open: &Path, envs: &[(&str, &str)]) -> Driver {
        let [port, native_port] = free_ports();
        let child = Command::new(tauri_driver())
            .envs(envs.iter().copied())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            // Each test's keys, anchors and log in its own folders, not the machine's.
            .envs(book_env(book))
            .env("INCENTISE_SAVE_DIR", saved)
            .env("INCENTISE_OPEN_FILE", to_open)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tauri-driver (cargo install tauri-driver --locked --version 2.1.0)");
        // tauri-driver forwards the new-session request to WebKitWebDriver, which it starts in the
        // background: until both listen, the request is dropped half-way (seen once in CI).
        let started = Instant::now();
        for port in [port, native_port] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < PATIENCE,
                    "tauri-driver or WebKitWebDriver did not listen on {port}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Driver { child, port }
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    match home.map(|h| h.join("bin/tauri-driver")) {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// Two distinct free ports: both listeners are held until both ports are known.
fn free_ports() -> [u16; 2] {
    let listeners = [(); 2].map(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    listeners.map(|l| l.local_addr().unwrap().port())
}

async fn connect(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    // INCENTISE_E2E_APP runs another build of the app (the release build, for timings).
    let app = std::env::var("INCENTISE_E2E_APP").unwrap_or_else(|_| APP.to_owned());
    caps.insert("tauri:options".into(), json!({ "application": app }));
    let mut attempts = 0;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            // A transport hiccup while the drivers settle is retried; anything else is real.
            Err(
                err @ (NewSessionError::Failed(_)
                | NewSessionError::FailedC(_)
                | NewSessionError::Lost(_)),
            ) if attempts < 3 => {
                eprintln!("opening a WebDriver session failed ({err}); trying again");
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(err) => panic!("open a WebDriver session: {err}"),
        }
    }
}

/// Saves the screen as `target/e2e-shots/<name>.png` (a flow's final screen is saved anyway).
pub async fn save_screenshot(client: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-shots");
    std::fs::create_dir_all(&dir).unwrap();
    match client.screenshot().await {
        Ok(png) => std::fs::write(dir.join(format!("{name}.png")), png).unwrap(),
        Err(err) => eprintln!("no screenshot for {name}: {err}"),
    }
}

/// Waits until `css` matches an element, and returns it.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// Waits until the text of `css` satisfies `check`, and returns it.
pub async fn wait_text(client: &Client, css: &str, check: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let text = text_of(client, css).await;
        if let Some(text) = &text {
            if check(text) {
                return text.clone();
            }
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{css} never showed the expected text; last: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(client: &Client, css: &str) -> Option<String> {
    let script =
        "const el = document.querySelector(arguments[0]); return el ? el.innerText : null;";
    match js(client, script, vec![json!(css)]).await {
        Value::String(text) => Some(text),
        _ => None,
    }
}

/// Runs `script` in the page and returns what it returns.
pub async fn js(client: &Client, script: &str, args: Vec<Value>) -> Value {
    client
        .execute(script, args)
        .await
        .unwrap_or_else(|e| panic!("run {script}: {e}"))
}

/// How many elements `css` matches now.
pub async fn count_of(client: &Client, css: &str) -> usize {
    let n = js(
        client,
        "return document.querySelectorAll(arguments[0]).length;",
        vec![json!(css)],
    )
    .await;
    n.as_u64().unwrap_or(0) as usize
}

/// Clicks the element that `css` matches.
pub async fn click(client: &Client, css: &str) {
    wait_for(client, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Types `text` into the field that `css` matches, as keystrokes.
pub async fn type_into(client: &Client, css: &str, text: &str) {
    let field = wait_for(client, css).await;
    field.clear().await.unwrap();
    field
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Chooses the option with `value` in the select that `css` matches.
pub async fn select(client: &Client, css: &str, value: &str) {
    let el = wait_for(client, css).await;
    el.select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
}

/// Chooses customer `username` in the open Add request dialog's picker: types the username,
/// then clicks its option.
pub async fn choose_customer(client: &Client, username: &str) {
    type_into(
        client,
        "dialog[data-dialog=add-request] input[role=combobox]",
        username,
    )
    .await;
    click(
        client,
        &format!("#customer-choices [data-username='{username}']"),
    )
    .await;
    wait_for(
        client,
        &format!("#customer-choices [data-username='{username}'][aria-selected=true]"),
    )
    .await;
}

/// Counts the rows of `table` in the app's book, read beside the running app.
pub async fn rows(book: &Path, table: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", book.display()))
        .await
        .unwrap();
    let n = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

/// Opens a screen from the sidebar.
pub async fn open_screen(client: &Client, screen: &str) {
    click(client, &format!(".sidebar a[data-screen='{screen}']")).await;
    wait_for(
        client,
        &format!(".sidebar a[data-screen='{screen}'][aria-current='page']"),
    )
    .await;
}

/// All the app's log files under the test's data folder, as text.
pub fn app_log(book: &Path) -> String {
    fn walk(dir: &Path, text: &mut String) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, text);
            } else if path.to_string_lossy().contains("/logs/") {
                text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let mut text = String::new();
    walk(&book.with_file_name("data"), &mut text);
    text
}
