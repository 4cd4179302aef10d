//! How fast the book answers at scale, next to the naive design and the sqlite3 shell:
//!
//!     cargo run --release -p ledger --example list_at_scale -- 1000000
//!
//! Builds a book of N payouts with SQL, shaped like a real shop's (see [`fill`]: skewed
//! surnames and first names, usernames and references as people and providers write them,
//! status, currency and amount drawn independently, two years of dates, two audit events per
//! payout), lets the ledger build its search index on open, then times every query a screen
//! sends (60 runs each; p50, p99 and max in ms): the Payouts screen's pages, filters and
//! searches typed letter by letter, with filters and on deep pages, each beside the naive design
//! (OFFSET paging, LIKE and COUNT(*)); the Incentive requests, Customers, Needs attention and
//! Audit log screens; the CSV export beside the sqlite3 shell; and a statement's import (its
//! lines taken from the book's own payouts), review pages and confirmation. Every measurement
//! also prints one machine-readable line:
//!
//!     bench name=<query> p50_ms=<x> p99_ms=<y> target_ms=<z>
//!
//! With `statements`, `payouts`, `requests` (with customers and "pay all approved"), `pay_all`,
//! `backup`, `export` or `attention` (with the audit log) after N, only that part runs; with `BENCH_BOOK=path` the filled
//! book is kept there and reused by the next run:
//!
//!     BENCH_BOOK=/tmp/book.sqlite cargo run --release -p ledger --example list_at_scale -- 1000000 statements

// Timings are printed in milliseconds; no money is computed here.
#![allow(clippy::float_arithmetic)]

use std::time::{Duration, Instant};

use chrono::Utc;
use ledger::payouts::{Cursor, PayoutQuery, PayoutSort, PayoutStatus};
use ledger::{Create, Ledger};

#[tokio::main]
async fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("a number of payouts"))
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.sqlite");
    // BENCH_BOOK=path keeps a copy of the filled book there and starts from it next time.
    let kept = std::env::var_os("BENCH_BOOK").map(std::path::PathBuf::from);
    match &kept {
        Some(kept) if kept.exists() => {
            std::fs::copy(kept, &path).unwrap();
            // Written out before anything is timed: the copy's writeback would otherwise
            // compete with the benchmark's own writes and syncs.
            std::fs::File::open(&path).unwrap().sync_all().unwrap();
        }
        _ => {
            Ledger::open(&path, Create::IfMissing, Utc::now())
                .await
                .unwrap()
                .close()
                .await;
            let started = Instant::now();
            fill(&path, n).await;
            println!(
                "filled {n} payouts with SQL in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let upgrading = ledger::store::upgrade_pending(&path).await;
    let started = Instant::now();
    let ledger = Ledger::open(&path, Create::Never, Utc::now())
        .await
        .unwrap();
    println!(
        "search index built on open in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if upgrading {
            " (with this version's schema steps)"
        } else {
            ""
        }
    );
    // A kept book from an older version is kept again upgraded, so that the next run times the
    // book as this version leaves it, not the write-back of its upgrade.
    if let Some(kept) = kept.filter(|k| !k.exists() || upgrading) {
        let _ = std::fs::remove_file(&kept);
        let copy = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query("VACUUM INTO ?")
            .bind(kept.to_string_lossy())
            .execute(&copy)
            .await
            .unwrap();
        copy.close().await;
    }

    if std::env::args().nth(2).as_deref() == Some("statements") {
        statements(&ledger, &path, n).await;
        ledger.close().await;
        return;
    }

    if std::env::args().nth(2).as_deref() == Some("attention") {
        attention_and_audit(&ledger, n).await;
        ledger.close().await;
        return;
    }
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let picks = picks(&raw).await;
    if std::env::args().nth(2).as_deref() == Some("export") {
        export(&ledger, &path, dir.path()).await;
        ledger.close().await;
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("backup") {
        backup(&ledger, &path).await;
        ledger.close().await;
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("pay_all") {
        pay_all(&ledger).await;
        ledger.close().await;
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("requests") {
        requests_and_customers(&ledger, &picks, n).await;
        pay_all(&ledger).await;
        ledger.close().await;
        return;
    }
    payouts(&ledger, &raw, &picks, n).await;
    raw.close().await;
    if std::env::args().nth(2).as_deref() == Some("payouts") {
        ledger.close().await;
        return;
    }
    requests_and_customers(&ledger, &picks, n).await;
    attention_and_audit(&ledger, n).await;

    export(&ledger, &path, dir.path()).await;

    statements(&ledger, &path, n).await;
    pay_all(&ledger).await;
    ledger.close().await;
}

/// The CSV export of every payout next to the sqlite3 shell writing the same rows as CSV.
async fn export(ledger: &Ledger, path: &std::path::Path, dir: &std::path::Path) {
    // The CSV export next to the sqlite3 shell writing the same table as CSV.
    let target = dir.join("export.csv");
    reset_peak();
    let started = Instant::now();
    let origin = ledger::Origin::manual("Bench", Utc::now());
    let written = ledger
        .export_payouts_csv(
            &origin,
            &PayoutQuery::page(1, 20),
            &target,
            Default::default(),
            &|_| true,
        )
        .await
        .unwrap();
    let ours = started.elapsed();
    let started = Instant::now();
    let shell = std::process::Command::new("sqlite3")
        .args(["-csv", "-header"])
        .arg(path)
        .arg("SELECT p.*, c.username, c.display_name FROM payouts p JOIN customers c ON c.id = p.customer_id ORDER BY p.created_at, p.id")
        .stdout(std::fs::File::create(dir.join("shell.csv")).unwrap())
        .status();
    let theirs = started.elapsed();
    let export_peak = peak_mb();
    println!(
        "export {} payouts: {:.2} s (peak memory {export_peak}); sqlite3 shell CSV of the same rows: {}",
        written.rows,
        ours.as_secs_f64(),
        match shell {
            Ok(s) if s.success() => format!("{:.2} s", theirs.as_secs_f64()),
            _ => "sqlite3 shell not available".into(),
        }
    );
}

/// A manual backup of the whole book (written, checked and packed), its size beside the
/// book's, and Needs attention timed while it is written.
async fn backup(ledger: &Ledger, path: &std::path::Path) {
    let book = std::fs::metadata(path).unwrap().len() as f64 / 1e6;
    let origin = ledger::Origin::manual("Bench", Utc::now());
    let started = Instant::now();
    let (written, mut times) = tokio::join!(ledger.back_up(&origin), async {
        let mut times = Vec::new();
        // Asks as a screen would, every 100 ms, until the backup is done.
        while started.elapsed() < Duration::from_secs(600) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let asked = Instant::now();
            ledger.needs_attention(Utc::now(), 14).await.unwrap();
            times.push(asked.elapsed());
            if ledger
                .backups()
                .unwrap()
                .iter()
                .any(|b| b.file_name.starts_with("manual-"))
            {
                break;
            }
        }
        times
    });
    let took = started.elapsed().as_secs_f64();
    let written = written.unwrap();
    let packed = written.bytes as f64 / 1e6;
    println!(
        "\nbackup of the {book:.0} MB book: {took:.1} s, packed to {packed:.0} MB ({:.1} % of the book; seven kept: {:.0} MB)",
        packed / book * 100.0,
        7.0 * packed
    );
    println!(
        "{}",
        summary("needs attention while a backup runs", &mut times, FRAME_MS)
    );
}

/// "Pay all approved" over every payable request of the book (one transaction, set-based),
/// beside making 200 payouts one by one as the dialog does.
async fn pay_all(ledger: &Ledger) {
    let origin = ledger::Origin::manual("Bench", Utc::now());
    let first = ledger::PageRequest {
        page: 1,
        page_size: 200,
    };
    let payable = ledger
        .list_requests("", ledger::requests::RequestFilter::Payable, first)
        .await
        .unwrap();
    let started = Instant::now();
    for request in &payable.page.items {
        ledger
            .create_payout(
                &origin,
                &ledger::payouts::NewPayout::for_request(request.id),
            )
            .await
            .unwrap();
    }
    let one_by_one = payable.page.items.len() as f64 / started.elapsed().as_secs_f64();
    reset_peak();
    let started = Instant::now();
    let paid = ledger
        .pay_all_approved(&origin, "Spring cashback")
        .await
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    let peak = peak_mb();
    let started = Instant::now();
    ledger.catch_up_search_indexes().await.unwrap();
    let indexed = started.elapsed().as_secs_f64();
    let rate = paid.created as f64 / took;
    println!(
        "\npay all approved: {} payouts with their audit events in one change, {took:.2} s \
         ({rate:.0} a second; target 20,000; peak memory {peak}), their search lines caught up \
         {indexed:.2} s later; one by one: {one_by_one:.0} a second",
        paid.created
    );
    println!("bench name=pay_all_approved payouts_per_s={rate:.0} target_per_s=20000");
}

/// p50, p99 and max of `times`, in milliseconds, and the machine-readable line.
fn summary(name: &str, times: &mut [Duration], target_ms: f64) -> String {
    summary_noting(name, times, target_ms, "")
}

/// [`summary`], with `note` after the times.
fn summary_noting(name: &str, times: &mut [Duration], target_ms: f64, note: &str) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (p50, p99, max) = (
        ms(times[times.len() / 2]),
        ms(times[(times.len() * 99).div_ceil(100) - 1]),
        ms(times[times.len() - 1]),
    );
    // The name as one token: letters and digits, the rest runs of `_`.
    let token = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    format!(
        "{name:<44} p50 {p50:>8.2} ms  p99 {p99:>8.2} ms  max {max:>8.2} ms{note}\n\
         bench name={token} p50_ms={p50:.2} p99_ms={p99:.2} target_ms={target_ms}"
    )
}

/// Runs `$body` (an expression awaiting one query) `$runs` times and returns the durations.
macro_rules! timed {
    ($runs:expr, $body:expr) => {{
        let mut times = Vec::with_capacity($runs);
        for _ in 0..$runs {
            let started = Instant::now();
            $body;
            times.push(started.elapsed());
        }
        times
    }};
}

/// How many times each query is timed.
const RUNS: usize = 60;
/// The target of every screen query (ms): one frame.
const FRAME_MS: f64 = 16.0;

/// Values picked from the book as a user would type them.
struct Picks {
    /// A username of a customer with the commonest surname.
    common_username: String,
    /// A surname shared by one or two customers.
    rare_surname: String,
    /// A PayPal-shaped and a Wise-shaped reference.
    paypal_reference: String,
    wise_reference: String,
}

async fn picks(raw: &sqlx::SqlitePool) -> Picks {
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(raw)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    Picks {
        common_username: one(
            "SELECT username FROM customers WHERE display_name LIKE '% Smith' ORDER BY id LIMIT 1",
        )
        .await,
        rare_surname: one(
            "SELECT substr(display_name, instr(display_name, ' ') + 1) AS s FROM customers
              GROUP BY s HAVING count(*) = 1 ORDER BY s LIMIT 1 OFFSET 100",
        )
        .await,
        paypal_reference: one(
            "SELECT external_reference FROM payouts WHERE length(external_reference) = 17
              ORDER BY id LIMIT 1 OFFSET 100",
        )
        .await,
        wise_reference: one(
            "SELECT external_reference FROM payouts WHERE external_reference GLOB '3[0-9]*'
              ORDER BY id LIMIT 1 OFFSET 100",
        )
        .await,
    }
}

/// Every query the Payouts screen sends, timed, beside the naive design (OFFSET paging,
/// `LIKE '%word%'` over the joined columns and an exact `COUNT(*)`, 3 runs each).
async fn payouts(ledger: &Ledger, raw: &sqlx::SqlitePool, picks: &Picks, n: i64) {
    let q = PayoutQuery::page;
    let with = |search: &str| PayoutQuery {
        search: search.into(),
        ..q(1, 20)
    };
    let month = |query: PayoutQuery| PayoutQuery {
        created_from: Some("2025-03-01T00:00:00Z".into()),
        created_before: Some("2025-04-01T00:00:00Z".into()),
        ..query
    };
    let filtered = |query: PayoutQuery| PayoutQuery {
        statuses: vec![PayoutStatus::Success],
        currency: Some("EUR".into()),
        ..month(query)
    };
    let page = |query: PayoutQuery, page| PayoutQuery {
        page: ledger::PageRequest {
            page,
            page_size: 20,
        },
        ..query
    };
    let oldest = |query: PayoutQuery| PayoutQuery {
        sort: PayoutSort::OldestFirst,
        ..query
    };
    let last = (n + 19) / 20;
    let failed = PayoutQuery {
        statuses: vec![PayoutStatus::Failed],
        ..q(1, 20)
    };
    let failed_last = (ledger.list_payouts(&failed).await.unwrap().page.total + 19) / 20;
    // Deep pages as the screen reaches them: by keyset, after the last row of the page before.
    let from = |cursor, query: PayoutQuery| PayoutQuery {
        cursor: Some(cursor),
        ..query
    };
    let middle = ledger::PayoutId(n / 2);
    let stepped = async |query: PayoutQuery, to: i64| {
        let mut cursor = None;
        for number in 1..to {
            let shown = ledger
                .list_payouts(&PayoutQuery {
                    cursor,
                    ..page(query.clone(), number)
                })
                .await
                .unwrap();
            cursor = Some(Cursor::After(shown.page.items.last().unwrap().id));
        }
        PayoutQuery {
            cursor,
            ..page(query, to)
        }
    };
    let mut cases: Vec<(String, PayoutQuery)> = vec![
        ("first page, newest first".into(), q(1, 20)),
        ("first page, oldest first".into(), oldest(q(1, 20))),
        ("page 2".into(), q(2, 20)),
        (
            "middle page".into(),
            from(Cursor::After(middle), q(last / 2, 20)),
        ),
        ("last page".into(), from(Cursor::End, q(last, 20))),
        ("status Failed".into(), failed.clone()),
        (
            "status Failed, last page".into(),
            from(Cursor::End, page(failed, failed_last)),
        ),
        (
            "Pending or On Process".into(),
            PayoutQuery {
                statuses: vec![PayoutStatus::Pending, PayoutStatus::OnProcess],
                ..q(1, 20)
            },
        ),
        (
            "currency MXN".into(),
            PayoutQuery {
                currency: Some("MXN".into()),
                ..q(1, 20)
            },
        ),
        (
            "status Pending + MXN".into(),
            PayoutQuery {
                statuses: vec![PayoutStatus::Pending],
                currency: Some("MXN".into()),
                ..q(1, 20)
            },
        ),
        ("one month".into(), month(q(1, 20))),
        ("one month + Success + EUR".into(), filtered(q(1, 20))),
    ];
    // A surname typed letter by letter (one and two letters are not searched: the hint says
    // so), then with every filter, deeper pages and the other order.
    for typed in ["s", "sm", "smi", "smit", "smith"] {
        cases.push((format!("typing {typed:?}"), with(typed)));
    }
    cases.extend([
        (
            "\"smith\", page 10".into(),
            stepped(with("smith"), 10).await,
        ),
        ("\"smith\", oldest first".into(), oldest(with("smith"))),
        (
            "\"smith\" + month + status + currency".into(),
            filtered(with("smith")),
        ),
        (
            "\"smith\" + Failed".into(),
            PayoutQuery {
                statuses: vec![PayoutStatus::Failed],
                ..with("smith")
            },
        ),
        ("\"john smith\"".into(), with("john smith")),
        ("rare surname".into(), with(&picks.rare_surname)),
        ("username".into(), with(&picks.common_username)),
        (
            "payout id".into(),
            with(&ledger::PayoutId(n / 3).to_string()),
        ),
        (
            "request id".into(),
            with(&ledger::RequestId(n / 2).to_string()),
        ),
        ("PayPal reference".into(), with(&picks.paypal_reference)),
        ("Wise reference".into(), with(&picks.wise_reference)),
        ("\"cashback\" (60 %)".into(), with("cashback")),
        (
            "\"cashback\", page 50".into(),
            stepped(with("cashback"), 50).await,
        ),
        (
            "\"cashback\", after the middle payout".into(),
            from(Cursor::After(middle), page(with("cashback"), 25_000)),
        ),
        (
            "\"cashback\" + On Process".into(),
            PayoutQuery {
                statuses: vec![PayoutStatus::OnProcess],
                ..with("cashback")
            },
        ),
        (
            "\"order\" + month + status + currency".into(),
            filtered(with("order")),
        ),
        (
            "\"cashback\" + Failed + MXN".into(),
            PayoutQuery {
                statuses: vec![PayoutStatus::Failed],
                currency: Some("MXN".into()),
                ..with("cashback")
            },
        ),
        (
            "\"cashback\" + Pending + JPY, oldest".into(),
            oldest(PayoutQuery {
                statuses: vec![PayoutStatus::Pending],
                currency: Some("JPY".into()),
                ..with("cashback")
            }),
        ),
    ]);
    println!("\nPayouts screen: {RUNS} runs each; naive = OFFSET, LIKE and COUNT(*), 3 runs");
    for (name, query) in cases {
        let mut times = timed!(RUNS, ledger.list_payouts(&query).await.unwrap());
        let naive = naive_payouts(raw, &query).await;
        let shown = ledger.list_payouts(&query).await.unwrap();
        let mut note = format!(
            "  ({} of {}{}; naive {naive:.1} ms",
            shown.page.items.len(),
            shown.page.total,
            if shown.total_exact { "" } else { "+" },
        );
        if shown.searched_to.is_some() {
            // The screen asks on from where each answer stopped until the page is full.
            let started = Instant::now();
            let mut answer = ledger.list_payouts(&query).await.unwrap();
            let (mut asked, mut found) = (1, answer.page.items.len());
            while let Some(to) = answer.searched_to.filter(|_| found < 20) {
                answer = ledger
                    .list_payouts(&PayoutQuery {
                        cursor: Some(Cursor::After(to)),
                        ..query.clone()
                    })
                    .await
                    .unwrap();
                asked += 1;
                found += answer.page.items.len();
            }
            note += &format!(
                "; the screen asks {asked} times for a full page: {:.0} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        note += ")";
        println!(
            "{}",
            summary_noting(&format!("payouts: {name}"), &mut times, FRAME_MS, &note)
        );
    }
}

/// The naive design's time for `query` (median of 3), in ms.
async fn naive_payouts(raw: &sqlx::SqlitePool, query: &PayoutQuery) -> f64 {
    let mut filters = vec!["1 = 1".to_owned()];
    let words: Vec<&str> = query
        .search
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .collect();
    for k in 1..=words.len() {
        filters.push(format!(
            "(printf('PO-%06d', p.id) LIKE ?{k} OR printf('IR-%06d', p.request_id) LIKE ?{k}
              OR c.username LIKE ?{k} OR c.display_name LIKE ?{k}
              OR p.description LIKE ?{k} OR p.external_reference LIKE ?{k})"
        ));
    }
    if !query.statuses.is_empty() {
        let list: Vec<String> = query
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        filters.push(format!("p.status IN ({})", list.join(", ")));
    }
    if let Some(currency) = &query.currency {
        filters.push(format!("p.currency = '{currency}'"));
    }
    if let (Some(from), Some(before)) = (&query.created_from, &query.created_before) {
        filters.push(format!(
            "p.created_at >= '{from}' AND p.created_at < '{before}'"
        ));
    }
    let filter = filters.join(" AND ");
    let order = match query.sort {
        PayoutSort::NewestFirst => "DESC",
        PayoutSort::OldestFirst => "ASC",
    };
    let offset = (query.page.page - 1) * query.page.page_size;
    let from = "FROM payouts p JOIN customers c ON c.id = p.customer_id";
    let mut times = timed!(3, {
        let page = format!(
            "SELECT p.*, c.username {from} WHERE {filter}
              ORDER BY p.created_at {order}, p.id {order} LIMIT 20 OFFSET {offset}"
        );
        let count = format!("SELECT COUNT(*) {from} WHERE {filter}");
        let mut page = sqlx::query(&page);
        let mut count = sqlx::query_scalar::<_, i64>(&count);
        for word in &words {
            page = page.bind(format!("%{word}%"));
            count = count.bind(format!("%{word}%"));
        }
        page.fetch_all(raw).await.unwrap();
        count.fetch_one(raw).await.unwrap();
    });
    times.sort();
    times[1].as_secs_f64() * 1000.0
}

/// The Incentive requests and Customers screens.
async fn requests_and_customers(ledger: &Ledger, picks: &Picks, n: i64) {
    use ledger::requests::RequestFilter;
    let page = |page| ledger::PageRequest {
        page,
        page_size: 20,
    };
    let last = (n + n / 6 + 19) / 20;
    let number = ledger::RequestId(n / 2).to_string();
    // The order number in the note of a request in the middle (see `fill`).
    let order = (40000 + n / 2 / 9 * 9).to_string();
    println!("\nIncentive requests and Customers screens: {RUNS} runs each");
    for (name, search, filter, at) in [
        ("requests: first page", "", RequestFilter::All, 1),
        ("requests: last page", "", RequestFilter::All, last),
        ("requests: typing \"smi\"", "smi", RequestFilter::All, 1),
        ("requests: \"smith\"", "smith", RequestFilter::All, 1),
        (
            "requests: username",
            picks.common_username.as_str(),
            RequestFilter::All,
            1,
        ),
        (
            "requests: request number",
            number.as_str(),
            RequestFilter::All,
            1,
        ),
        (
            "requests: \"smith\", page 100",
            "smith",
            RequestFilter::All,
            100,
        ),
        (
            "requests: \"smith\" + Pending",
            "smith",
            RequestFilter::Pending,
            1,
        ),
        (
            "requests: \"smith\" + Rejected",
            "smith",
            RequestFilter::Rejected,
            1,
        ),
        (
            "requests: rare surname",
            picks.rare_surname.as_str(),
            RequestFilter::All,
            1,
        ),
        (
            "requests: a word in 11 % of notes",
            "damaged",
            RequestFilter::All,
            1,
        ),
        (
            "requests: an order number in a note",
            order.as_str(),
            RequestFilter::All,
            1,
        ),
        ("requests: Payable", "", RequestFilter::Payable, 1),
        (
            "requests: Approved, page 100",
            "",
            RequestFilter::Approved,
            100,
        ),
    ] {
        let mut times = timed!(
            RUNS,
            ledger
                .list_requests(search, filter, page(at))
                .await
                .unwrap()
        );
        let shown = ledger
            .list_requests(search, filter, page(at))
            .await
            .unwrap();
        let note = format!(
            "  ({} of {}{})",
            shown.page.items.len(),
            shown.page.total,
            if shown.total_exact { "" } else { "+" }
        );
        println!("{}", summary_noting(name, &mut times, FRAME_MS, &note));
    }
    let customers = (n / 100).max(10);
    for (name, search, at) in [
        ("customers: first page", "", 1),
        ("customers: last page", "", (customers + 19) / 20),
        ("customers: \"smith\"", "smith", 1),
        ("customers: rare surname", picks.rare_surname.as_str(), 1),
    ] {
        let mut times = timed!(RUNS, ledger.list_customers(search, page(at)).await.unwrap());
        let shown = ledger.list_customers(search, page(at)).await.unwrap();
        let note = format!("  ({} of {})", shown.items.len(), shown.total);
        println!("{}", summary_noting(name, &mut times, FRAME_MS, &note));
    }
}

/// Needs attention (its first call apart) and the audit log's pages, searches and date ranges.
async fn attention_and_audit(ledger: &Ledger, n: i64) {
    println!("\nNeeds attention and Audit log: {RUNS} runs each");
    let started = Instant::now();
    ledger.needs_attention(Utc::now(), 14).await.unwrap();
    let mut first = vec![started.elapsed()];
    println!(
        "{}",
        summary("needs attention: first call", &mut first, FRAME_MS)
    );
    let mut times = timed!(RUNS, ledger.needs_attention(Utc::now(), 14).await.unwrap());
    println!("{}", summary("needs attention", &mut times, FRAME_MS));
    let audit = |search: &str, entity, from: &str, to: &str, page| ledger::audit_log::AuditQuery {
        search: search.into(),
        entity,
        source: None,
        from: from.into(),
        to: to.into(),
        page: ledger::PageRequest {
            page,
            page_size: 20,
        },
    };
    let events = 2 * n;
    let payouts = Some(ledger::Entity::Payout);
    for (name, query) in [
        ("audit log: first page", audit("", None, "", "", 1)),
        (
            "audit log: last page",
            audit("", None, "", "", (events + 19) / 20),
        ),
        ("audit log: one payout", audit("PO-000500", None, "", "", 1)),
        ("audit log: payouts only", audit("", payouts, "", "", 1)),
        ("audit log: rare words", audit("rare note", None, "", "", 1)),
        (
            "audit log: a word in half",
            audit("status", None, "", "", 1),
        ),
        (
            "audit log: one day",
            audit("", None, "2024-06-03", "2024-06-03", 1),
        ),
        (
            "audit log: one month",
            audit("", None, "2024-06-01", "2024-06-30", 1),
        ),
        (
            "audit log: one month, page 50",
            audit("", None, "2024-06-01", "2024-06-30", 50),
        ),
        (
            "audit log: a month of payouts",
            audit("", payouts, "2024-06-01", "2024-06-30", 1),
        ),
        (
            "audit log: a word in a month",
            audit("status", None, "2024-06-01", "2024-06-30", 1),
        ),
    ] {
        let mut times = timed!(RUNS, ledger.audit_log(&query).await.unwrap());
        println!("{}", summary(name, &mut times, FRAME_MS));
    }
}

/// A PayPal statement of up to 100,000 lines against the book: import (which decides every
/// line), review pages (p50/p99 over 60 runs each) beside the former design (matching every
/// line for each page) and the sqlite3 shell running the same page query, and confirming every
/// exact match at once. Nine lines in ten carry the payout id back, every tenth only the
/// amount, currency and recipient (a day after the payout was made).
async fn statements(ledger: &Ledger, path: &std::path::Path, n: i64) {
    let lines = (n / 10).min(100_000);
    // Payouts as the book has them: nine lines in ten carry the id back, every tenth only the
    // amount, currency and recipient, booked the day after the payout was made.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    // 45 % of the lines pay a payout a statement can still settle (Pending or On Process),
    // the rest one already settled; lines in payout order, as a statement has them.
    let open = lines * 45 / 100;
    let paid: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
        "SELECT * FROM (
             SELECT id, amount_minor, currency, account_snapshot ->> '$.handle', created_at
               FROM payouts WHERE status IN ('pending', 'on_process') AND id % 4 = 0
              ORDER BY id LIMIT ?1)
         UNION ALL
         SELECT * FROM (
             SELECT id, amount_minor, currency, account_snapshot ->> '$.handle', created_at
               FROM payouts WHERE status IN ('success', 'failed') AND id % 10 = 0
              ORDER BY id LIMIT ?2)
         ORDER BY 1",
    )
    .bind(open)
    .bind(lines - open)
    .fetch_all(&raw)
    .await
    .unwrap();
    raw.close().await;
    let mut csv =
        String::from("Date,Currency,Gross,To Email Address,Transaction ID,Custom Number\n");
    for (i, (id, minor, currency, to, made)) in paid.into_iter().enumerate() {
        let amount = if currency == "JPY" {
            format!("-{minor}")
        } else {
            format!("-{}.{:02}", minor / 100, minor % 100)
        };
        let (day, number) = if i % 10 == 9 {
            let made =
                chrono::DateTime::parse_from_rfc3339(&made).unwrap() + chrono::Duration::days(1);
            (made.format("%m/%d/%Y").to_string(), String::new())
        } else {
            ("01/25/2026".to_owned(), ledger::PayoutId(id).to_string())
        };
        csv.push_str(&format!(
            "{day},{currency},{amount},{to},TX{i:08},{number}\n"
        ));
    }
    let origin = ledger::Origin::manual("Bench", Utc::now());
    reset_peak();
    let before = peak_mb();
    let started = Instant::now();
    let outcome = ledger
        .import_statement(
            &origin,
            "bench.csv",
            csv.as_bytes(),
            &ledger::statements::StatementFormat::PaypalCsv,
        )
        .await
        .unwrap();
    let imported = started.elapsed();
    let import = outcome.import_id.unwrap();
    let first = ledger
        .statement_review(import, &Default::default())
        .await
        .unwrap();
    println!(
        "statement of {lines} lines: import and decide every line {:.2} s (target 2 s), peak memory {} (the process held {before} before; resident after: {}); {:?}",
        imported.as_secs_f64(),
        peak_mb(),
        resident_split(),
        first.counts
    );
    println!(
        "bench name=statement_import_{lines}_lines p50_ms={0:.0} p99_ms={0:.0} target_ms=2000",
        imported.as_secs_f64() * 1000.0
    );

    use ledger::statements::{MatchState, ReviewQuery};
    let pages = (first.counts.lines() as u32).div_ceil(50).max(1);
    let cases = [
        ("review first page", None, 1),
        ("review middle page", None, pages / 2),
        ("review last page", None, pages),
        ("review matched, page 2", Some(MatchState::Matched), 2),
        (
            "review suggested, first page",
            Some(MatchState::Suggested),
            1,
        ),
        (
            "review unmatched, first page",
            Some(MatchState::Unmatched),
            1,
        ),
    ];
    for (name, state, page) in cases {
        let query = ReviewQuery {
            state,
            page,
            page_size: 50,
        };
        let mut times = Vec::new();
        for _ in 0..60 {
            let started = Instant::now();
            ledger.statement_review(import, &query).await.unwrap();
            times.push(started.elapsed());
        }
        println!("{}", summary(name, &mut times, 16.0));
    }
    // The former design matched every line of the import for each page shown.
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        ledger
            .review_statement_file(
                csv.as_bytes(),
                &ledger::statements::StatementFormat::PaypalCsv,
                Some(ledger::statements::DateOrder::MonthFirst),
            )
            .await
            .unwrap();
        times.push(started.elapsed());
    }
    println!(
        "{}",
        summary("naive: match every line per page", &mut times, 16.0)
    );
    // The sqlite3 shell running the page query (a process each time).
    let mut times = Vec::new();
    let sql = format!(
        "SELECT l.id, l.line_no, l.match_state, l.match_evidence FROM statement_lines l \
          WHERE l.import_id = {import} ORDER BY l.import_id, l.line_no LIMIT 50 OFFSET {}",
        (pages / 2 - 1) * 50
    );
    for _ in 0..10 {
        let started = Instant::now();
        let ran = std::process::Command::new("sqlite3")
            .arg(path)
            .arg(&sql)
            .output();
        if !ran.is_ok_and(|o| o.status.success()) {
            println!("sqlite3 shell not available");
            times.clear();
            break;
        }
        times.push(started.elapsed());
    }
    if !times.is_empty() {
        println!(
            "{}",
            summary("sqlite3 shell: middle page query", &mut times, 16.0)
        );
    }

    let started = Instant::now();
    let confirmed = ledger
        .confirm_matched_lines(&origin, import, &|_| true)
        .await
        .unwrap();
    let took = started.elapsed();
    println!(
        "confirm all {} exact matches (status, reference, paid-on, fee and audit event each, one batch): {:.2} s (target 5 s for 40,000)",
        confirmed.confirmed.len(),
        took.as_secs_f64()
    );
    println!(
        "bench name=statement_confirm_{}_matches p50_ms={1:.0} p99_ms={1:.0} target_ms={2}",
        confirmed.confirmed.len(),
        took.as_secs_f64() * 1000.0,
        confirmed.confirmed.len() as f64 / 40_000.0 * 5_000.0
    );
    // The search indexes take the confirm's 40,000 events and references right after it; the
    // first search waits for what is left of that.
    let started = Instant::now();
    let mut query = PayoutQuery::page(1, 50);
    query.search = "TX00000002".into();
    let found = ledger.list_payouts(&query).await.unwrap();
    println!(
        "first payout search after the confirm (waits for the search indexes to catch up): {:.2} s, {} found",
        started.elapsed().as_secs_f64(),
        found.page.total
    );
    // Payouts changed: the next review decides the open lines again, once.
    let started = Instant::now();
    ledger
        .statement_review(import, &Default::default())
        .await
        .unwrap();
    println!(
        "first review after the confirm (decides the {} open lines again): {:.2} s",
        lines as usize - confirmed.confirmed.len(),
        started.elapsed().as_secs_f64()
    );
    let naive = Instant::now();
    let mut found = 0;
    for line in csv.lines().skip(1).take(1_000) {
        // The per-line design: one query per line for its payout number.
        let number = line.rsplit(',').next().unwrap_or("");
        if let Ok(id) = number.parse::<ledger::PayoutId>() {
            found += ledger.payout(id).await.is_ok() as usize;
        }
    }
    println!(
        "naive: one payout query per line, 1,000 lines: {:.3} s ({found} found), so {:.1} s for {lines}",
        naive.elapsed().as_secs_f64(),
        naive.elapsed().as_secs_f64() * lines as f64 / 1_000.0
    );
}

/// Linux: starts a new peak resident-memory measurement (`/proc/self/clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Linux: the peak resident memory since [`reset_peak`] (VmHWM), or "n/a".
fn peak_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{} MB", kb / 1024))
        })
        .unwrap_or_else(|| "n/a".into())
}

/// Linux: what is resident now, split into the process's own memory (RssAnon) and the file
/// pages it maps (RssFile: the book's memory map, which the system can drop at any time).
fn resident_split() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mb = |key: &str| {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
            .map(|kb| kb / 1024)
    };
    match (mb("RssAnon:"), mb("RssFile:")) {
        (Some(own), Some(mapped)) => format!("{own} MB its own, {mapped} MB mapped file pages"),
        _ => "n/a".into(),
    }
}

/// Surnames in the order of how common they are: real ones first (as a shop with customers in
/// several countries has them), then made-up rare ones, so a few are shared by 1-2 % of the
/// customers and most by one or two.
fn surnames() -> Vec<String> {
    const COMMON: &str = "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez \
        Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Martin Bernard \
        Dubois Thomas Robert Richard Petit Durand Leroy Moreau Rossi Russo Ferrari Esposito Bianchi \
        Romano Colombo Silva Santos Oliveira Souza Pereira Costa Kumar Sharma Singh Patel Gupta \
        Wang Li Zhang Liu Chen Nguyen Tran Le Pham Kim Lee Park Choi Jansen Visser Smit Bakker \
        Andersson Johansson Karlsson Nilsson Nowak Kowalski Wiśniewski Novák Horváth Nagy Popescu \
        Ivanov Petrov Yılmaz Kaya Demir Cohen Levi Murphy Kelly O'Brien Walsh Taylor Wilson Evans \
        Thompson Anderson Jackson White Harris Clark Lewis Robinson Walker Young Allen King Wright \
        Scott Torres Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter \
        Roberts Gómez López Hernández González Pérez Sánchez Ramírez Cruz Morales Ortiz Gutiérrez";
    let syllables = [
        "ka", "lo", "mer", "vin", "dor", "sa", "ben", "tal", "ri", "gu", "nes", "por", "ul", "fa",
        "den", "ho", "zi", "mar", "el", "tro", "bi", "cas", "wen", "li", "ott", "ra", "sten", "vi",
        "quin", "ab", "be", "dal", "fe", "gar", "is", "jo", "kel", "mo", "nu", "pe",
    ];
    let mut names: Vec<String> = COMMON.split_whitespace().map(str::to_owned).collect();
    let n = syllables.len();
    for i in 0..(n * n * n) {
        let word = format!(
            "{}{}{}",
            syllables[i % n],
            syllables[(i / n) % n],
            syllables[(i / n / n) % n]
        );
        let mut chars = word.chars();
        let first = chars.next().unwrap().to_uppercase().collect::<String>();
        names.push(first + chars.as_str());
    }
    names
}

/// First names, most common first.
fn first_names() -> Vec<String> {
    const COMMON: &str = "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth \
        William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Maria José Ana \
        Luis Carlos Juan Sofia Lucas Emma Noah Olivia Liam Mia Lena Jonas Felix Anna Lukas Marie \
        Léa Hugo Chloé Louis Giulia Marco Francesca Alessandro João Pedro Gabriel Beatriz \
        Priya Rahul Amit Ananya Wei Jing Min Hiroshi Yuki Ji-woo Minh Linh Sven Ingrid Lars Astrid \
        Piotr Katarzyna Jan Eva Ahmet Ayşe Mehmet Fatima Omar Aisha Sean Aoife Siobhan Oliver Jack \
        Harry George Charlotte Amelia Isla Ava Ethan Mason Logan Zoe Nora Ella Leo Max Paul";
    let mut names: Vec<String> = COMMON.split_whitespace().map(str::to_owned).collect();
    let extra: Vec<String> = surnames()
        .into_iter()
        .skip(400)
        .step_by(7)
        .take(3000)
        .collect();
    names.extend(extra);
    names
}

/// A book of `n` payouts shaped like a real shop's, written with SQL: `n / 100` customers whose
/// surnames and first names follow a skewed (Zipf-like) frequency, usernames and PayPal
/// addresses made from them as people make theirs, one approved request and one payout each
/// with status, currency and amount drawn independently, creation times over two years in id
/// order, provider references shaped like PayPal's, Wise's and banks', and two audit events per
/// payout; then `n / 6` newer requests without a payout (pending, rejected, approved) and a
/// note on a third of all requests.
async fn fill(path: &std::path::Path, n: i64) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let customers = (n / 100).max(10);
    let (surnames, first_names) = (surnames(), first_names());
    // Each customer's surname and first name rank, drawn with P(k) ~ 1 / (k + 4) from a
    // seeded generator, so the most common surname is about 1.9 % of the customers (as
    // "Smith" is in the US) and most are shared by one or two.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut uniform = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut zipf = |count: usize| {
        let base = (count as f64 + 4.0) / 5.0;
        ((5.0 * base.powf(uniform()) - 4.0) as usize).clamp(1, count)
    };
    let (surname_count, first_count) = (surnames.len(), first_names.len());
    let (surnames, first_names) = (
        serde_json::to_string(&surnames).unwrap(),
        serde_json::to_string(&first_names).unwrap(),
    );
    let people: Vec<(usize, usize)> = (0..customers)
        .map(|_| (zipf(surname_count), zipf(first_count)))
        .collect();
    let people = serde_json::to_string(&people).unwrap();
    // A uniform number in [0, 1) per row.
    const U: &str = "((random() & 4294967295) / 4294967296.0)";
    let statements = [
        "PRAGMA synchronous = OFF".to_owned(),
        "BEGIN".to_owned(),
        "CREATE TEMP TABLE surnames (rank INTEGER PRIMARY KEY, name TEXT)".to_owned(),
        "INSERT INTO surnames SELECT key + 1, value FROM json_each(?3)".to_owned(),
        "CREATE TEMP TABLE first_names (rank INTEGER PRIMARY KEY, name TEXT)".to_owned(),
        "INSERT INTO first_names SELECT key + 1, value FROM json_each(?4)".to_owned(),
        "CREATE TEMP TABLE people AS
         SELECT key + 1 AS id, value ->> 0 AS surname, value ->> 1 AS first FROM json_each(?5)"
            .to_owned(),
        // usernames as people pick them: first.last, flast42, first_1987, lastf.
        "CREATE TEMP TABLE named AS
         SELECT p.id, f.name AS first, s.name AS surname,
                CASE p.id % 4
                  WHEN 0 THEN lower(f.name) || '.' || lower(replace(replace(s.name, ' ', ''), '''', ''))
                  WHEN 1 THEN lower(substr(f.name, 1, 1)) || lower(replace(replace(s.name, ' ', ''), '''', '')) || (p.id % 97)
                  WHEN 2 THEN lower(f.name) || '_' || (1960 + p.id % 45)
                  ELSE lower(replace(replace(s.name, ' ', ''), '''', '')) || lower(substr(f.name, 1, 1))
                END AS base
           FROM people p JOIN surnames s ON s.rank = p.surname JOIN first_names f ON f.rank = p.first".to_owned(),
        "INSERT INTO customers (id, uuid, username, username_key, display_name, email, created_at, updated_at)
         SELECT id, randomblob(16), username, username, first || ' ' || surname, username || '@example.com',
                '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z'
           FROM (SELECT id, first, surname,
                        base || iif(row_number() OVER (PARTITION BY base ORDER BY id) > 1,
                                    '.' || row_number() OVER (PARTITION BY base ORDER BY id), '') AS username
                   FROM named)".to_owned(),
        "INSERT INTO payment_accounts (id, uuid, customer_id, kind, is_default, provider, handle_kind, handle, created_at, updated_at)
         SELECT id, randomblob(16), id, 'digital', 1, 'paypal', 'email', email, created_at, created_at FROM customers".to_owned(),
        format!(
            "CREATE TEMP TABLE draws AS
             WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < ?2)
             SELECT x AS id, 1 + abs(random()) % ?1 AS customer, {U} AS s, {U} AS c, {U} AS a FROM i"
        ),
        "CREATE TEMP TABLE shaped AS
         SELECT id, customer,
                CASE WHEN s < 0.70 THEN 'success' WHEN s < 0.80 THEN 'on_process'
                     WHEN s < 0.93 THEN 'pending' ELSE 'failed' END AS status,
                CASE WHEN c < 0.45 THEN 'USD' WHEN c < 0.70 THEN 'EUR' WHEN c < 0.80 THEN 'GBP'
                     WHEN c < 0.85 THEN 'CAD' WHEN c < 0.90 THEN 'AUD' WHEN c < 0.93 THEN 'JPY'
                     WHEN c < 0.96 THEN 'INR' WHEN c < 0.98 THEN 'BRL' ELSE 'MXN' END AS currency,
                a
           FROM draws".to_owned(),
        "INSERT INTO incentive_requests (id, uuid, customer_id, amount_minor, currency, status, decided_at, created_at, updated_at)
         SELECT id, randomblob(16), customer,
                iif(currency = 'JPY', 100 + CAST(a * 50000 AS INTEGER), 100 + CAST(a * 49900 AS INTEGER)),
                currency, 'approved', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z',
                '2024-01-01T00:00:00.000000Z'
           FROM shaped".to_owned(),
        "INSERT INTO payouts (id, uuid, request_id, customer_id, amount_minor, currency, method, account_id, account_snapshot,
                              status, description, external_reference, created_at, updated_at)
         SELECT r.id, randomblob(16), r.id, r.customer_id, r.amount_minor, r.currency, 'digital', r.customer_id,
                json_object('kind', 'digital', 'provider', 'paypal', 'handle_kind', 'email', 'handle', c.email),
                s.status,
                CASE r.id % 5 WHEN 0 THEN 'Referral bonus' WHEN 1 THEN 'Loyalty reward Q' || (1 + r.id % 4)
                     ELSE 'Cashback for order #' || (40000 + r.id) END,
                CASE WHEN s.status IN ('success', 'on_process') AND r.id % 10 <> 0 THEN
                     CASE r.id % 3
                       WHEN 0 THEN substr(upper(hex(randomblob(9))), 1, 17)
                       WHEN 1 THEN CAST(300000000 + r.id * 7 AS TEXT)
                       ELSE 'E2E' || printf('%012d', r.id) END
                END,
                strftime('%Y-%m-%dT%H:%M:%f000Z', '2024-01-01', '+' || (r.id * 63072000 / ?2) || ' seconds'),
                '2024-01-01T00:00:00.000000Z'
           FROM incentive_requests r JOIN shaped s ON s.id = r.id JOIN customers c ON c.id = r.customer_id".to_owned(),
        // Requests without a payout yet, the newest (n / 6): half pending, a third rejected,
        // the rest approved and waiting for a payout.
        "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < ?2 / 6)
         INSERT INTO incentive_requests (id, uuid, customer_id, amount_minor, currency, status, decision_note,
                                         decided_at, created_at, updated_at)
         SELECT ?2 + x, randomblob(16), 1 + abs(random()) % ?1, 100 + abs(random()) % 49900,
                CASE x % 4 WHEN 0 THEN 'EUR' WHEN 1 THEN 'GBP' ELSE 'USD' END,
                CASE WHEN x % 6 < 3 THEN 'pending' WHEN x % 6 < 5 THEN 'rejected' ELSE 'approved' END,
                iif(x % 6 IN (3, 4), 'Order was returned', ''),
                iif(x % 6 < 3, NULL, '2026-01-01T00:00:00.000000Z'),
                '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
           FROM i".to_owned(),
        // A note on a third of the requests, as an owner writes them.
        "UPDATE incentive_requests SET note = CASE id % 9
             WHEN 0 THEN 'Order #' || (40000 + id) || ' arrived damaged'
             WHEN 3 THEN 'Referral of a friend, spring campaign'
             ELSE 'Survey reward, ' || (1 + id % 12) || '/2025' END
          WHERE id % 3 = 0".to_owned(),
        // Two audit events per payout, for timing the audit log's pages (their hashes are not
        // a real chain: this book is for timing only).
        "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 2 * ?2)
         INSERT INTO audit_events (seq, uuid, at, actor, source, action, entity, entity_id, changes, note, prev_hash, hash)
         SELECT x, randomblob(16), strftime('%Y-%m-%dT%H:%M:%f000Z', '2024-01-01', '+' || (x * 31536000 / ?2) || ' seconds'),
                'Owner', CASE x % 10 WHEN 0 THEN 'import' ELSE 'manual' END, CASE x % 2 WHEN 0 THEN 'status' ELSE 'create' END,
                'payout', (x + 1) / 2, '[]', CASE WHEN x % 100000 = 7 THEN 'rare note ' || x ELSE '' END,
                printf('%064d', x - 1), printf('%064d', x)
           FROM i".to_owned(),
        "DELETE FROM settings WHERE key IN ('payout_search_version', 'request_search_version')"
            .to_owned(),
        "COMMIT".to_owned(),
    ];
    for sql in statements {
        sqlx::query(&sql)
            .bind(customers)
            .bind(n)
            .bind(&surnames)
            .bind(&first_names)
            .bind(&people)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    conn.close().await.unwrap();
}
