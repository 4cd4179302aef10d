//! How fast the book answers at scale, next to the naive design and the sqlite3 shell:
//!
//!     cargo run --release -p ledger --example list_at_scale -- 1000000
//!
//! Builds a book of N payouts with SQL (customers, accounts, approved requests, payouts in
//! every status and four currencies over two years, two audit events each), lets the ledger
//! build its search index on open, then times each list query 30 times (p50 and max, in ms)
//! beside the naive design (OFFSET paging, LIKE, COUNT(*)); then Needs attention and the audit
//! log; the CSV export beside the sqlite3 shell; and a 100,000-line statement's import,
//! review pages (p50/p99) and confirmation beside the former design and the sqlite3 shell.
//! With `statements` after N, only the statement part runs:
//!
//!     cargo run --release -p ledger --example list_at_scale -- 1000000 statements

// Timings are printed in milliseconds; no money is computed here.
#![allow(clippy::float_arithmetic)]

use std::time::{Duration, Instant};

use chrono::Utc;
use ledger::payouts::{PayoutQuery, PayoutStatus};
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
    let started = Instant::now();
    let ledger = Ledger::open(&path, Create::Never, Utc::now())
        .await
        .unwrap();
    println!(
        "search index built on open in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Some(kept) = kept.filter(|k| !k.exists()) {
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

    let q = PayoutQuery::page;
    let middle = (n / 20 / 2).max(1);
    let last = (n + 19) / 20;
    let cases: Vec<(&str, PayoutQuery)> = vec![
        ("first page, newest first", q(1, 20)),
        ("middle page", q(middle, 20)),
        ("last page", q(last, 20)),
        (
            "status Failed",
            PayoutQuery {
                statuses: vec![PayoutStatus::Failed],
                ..q(1, 20)
            },
        ),
        (
            "status Pending + JPY",
            PayoutQuery {
                statuses: vec![PayoutStatus::Pending],
                currency: Some("JPY".into()),
                ..q(1, 20)
            },
        ),
        (
            "one month",
            PayoutQuery {
                created_from: Some("2025-03-01T00:00:00Z".into()),
                created_before: Some("2025-04-01T00:00:00Z".into()),
                ..q(1, 20)
            },
        ),
        (
            "search payout id",
            PayoutQuery {
                search: ledger::PayoutId(n / 3).to_string(),
                ..q(1, 20)
            },
        ),
        (
            "search username",
            PayoutQuery {
                search: "user04242".into(),
                ..q(1, 20)
            },
        ),
        (
            "search reference",
            PayoutQuery {
                search: format!("REF-{:08}", n / 2 - (n / 2) % 4 + 2),
                ..q(1, 20)
            },
        ),
        (
            "search rare word",
            PayoutQuery {
                search: "order 123456".into(),
                ..q(1, 20)
            },
        ),
        (
            "search broad word",
            PayoutQuery {
                search: "cashback".into(),
                ..q(1, 20)
            },
        ),
        (
            "broad word + status",
            PayoutQuery {
                search: "cashback".into(),
                statuses: vec![PayoutStatus::OnProcess],
                ..q(1, 20)
            },
        ),
    ];
    // The naive design beside each: OFFSET paging, LIKE '%word%' over the joined columns and
    // an exact COUNT(*), on the same book (3 runs each; the slow ones take seconds).
    let like = "(printf('PO-%06d', p.id) LIKE ?1 OR c.username LIKE ?1 OR c.display_name LIKE ?1
                 OR p.description LIKE ?1 OR p.external_reference LIKE ?1)";
    let naive: Vec<(String, String, i64)> = cases
        .iter()
        .map(|(_, query)| {
            let mut filters = vec!["1 = 1".to_owned()];
            if !query.search.is_empty() {
                filters.push(like.to_owned());
            }
            for status in &query.statuses {
                filters.push(format!("p.status = '{}'", status.as_str()));
            }
            if let Some(currency) = &query.currency {
                filters.push(format!("p.currency = '{currency}'"));
            }
            if let (Some(from), Some(before)) = (&query.created_from, &query.created_before) {
                filters.push(format!(
                    "p.created_at >= '{from}' AND p.created_at < '{before}'"
                ));
            }
            (
                filters.join(" AND "),
                format!("%{}%", query.search),
                (query.page.page - 1) * query.page.page_size,
            )
        })
        .collect();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    println!(
        "{:<28} {:>9} {:>9} {:>10} {:>10}",
        "query (1M-row target 16 ms)", "p50 ms", "max ms", "total", "naive ms"
    );
    for ((name, query), (filter, pattern, offset)) in cases.into_iter().zip(naive) {
        let mut times = Vec::new();
        let mut total = String::new();
        for _ in 0..30 {
            let started = Instant::now();
            let list = ledger.list_payouts(&query).await.unwrap();
            times.push(started.elapsed());
            total = format!(
                "{}{}",
                list.page.total,
                if list.total_exact { "" } else { "+" }
            );
        }
        times.sort();
        let mut slow = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let from = "FROM payouts p JOIN customers c ON c.id = p.customer_id";
            sqlx::query(&format!(
                "SELECT p.*, c.username {from} WHERE {filter}
                  ORDER BY p.created_at DESC, p.id DESC LIMIT 20 OFFSET {offset}"
            ))
            .bind(&pattern)
            .fetch_all(&raw)
            .await
            .unwrap();
            let _: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {from} WHERE {filter}"))
                .bind(&pattern)
                .fetch_one(&raw)
                .await
                .unwrap();
            slow.push(started.elapsed());
        }
        slow.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<28} {:>9.2} {:>9.2} {total:>10} {:>10.1}",
            ms(times[15]),
            ms(times[29]),
            ms(slow[1])
        );
    }
    raw.close().await;

    // The Incentive requests screen.
    for (name, search, filter) in [
        (
            "requests, first page",
            "",
            ledger::requests::RequestFilter::All,
        ),
        (
            "requests, search username",
            "user04242",
            ledger::requests::RequestFilter::All,
        ),
        (
            "requests, payable",
            "",
            ledger::requests::RequestFilter::Payable,
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..10 {
            let started = Instant::now();
            ledger
                .list_requests(
                    search,
                    filter,
                    ledger::PageRequest {
                        page: 1,
                        page_size: 20,
                    },
                )
                .await
                .unwrap();
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "{name:<28} {:>9.2} {:>9.2} (10 runs)",
            times[5].as_secs_f64() * 1000.0,
            times[9].as_secs_f64() * 1000.0
        );
    }

    // The Needs attention dashboard and the audit log's pages.
    let time = |times: &mut Vec<Duration>| {
        times.sort();
        format!(
            "{:>9.2} {:>9.2}",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0
        )
    };
    let mut times = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        ledger.needs_attention(Utc::now(), 14).await.unwrap();
        times.push(started.elapsed());
    }
    println!("{:<28} {}", "needs attention", time(&mut times));
    let audit = |search: &str, entity, page| ledger::audit_log::AuditQuery {
        search: search.into(),
        entity,
        source: None,
        from: String::new(),
        to: String::new(),
        page: ledger::PageRequest {
            page,
            page_size: 20,
        },
    };
    let events = 2 * n;
    for (name, query) in [
        ("audit log, first page", audit("", None, 1)),
        ("audit log, last page", audit("", None, (events + 19) / 20)),
        ("audit log, one payout", audit("PO-000500", None, 1)),
        (
            "audit log, payouts only",
            audit("", Some(ledger::Entity::Payout), 1),
        ),
        ("audit log, rare words", audit("rare note", None, 1)),
        ("audit log, a word in half", audit("status", None, 1)),
        ("audit log, 2-letter word", audit("ra", None, 1)),
    ] {
        let mut times = Vec::new();
        for _ in 0..10 {
            let started = Instant::now();
            ledger.audit_log(&query).await.unwrap();
            times.push(started.elapsed());
        }
        println!("{name:<28} {} (10 runs)", time(&mut times));
    }

    // The CSV export next to the sqlite3 shell writing the same table as CSV.
    let target = dir.path().join("export.csv");
    reset_peak();
    let started = Instant::now();
    let origin = ledger::Origin::manual("Bench", Utc::now());
    let written = ledger
        .export_payouts_csv(&origin, &q(1, 20), &target, Default::default(), &|_| true)
        .await
        .unwrap();
    let ours = started.elapsed();
    let started = Instant::now();
    let shell = std::process::Command::new("sqlite3")
        .args(["-csv", "-header"])
        .arg(&path)
        .arg("SELECT p.*, c.username, c.display_name FROM payouts p JOIN customers c ON c.id = p.customer_id ORDER BY p.created_at, p.id")
        .stdout(std::fs::File::create(dir.path().join("shell.csv")).unwrap())
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

    statements(&ledger, &path, n).await;
    ledger.close().await;
}

/// p50, p99 and max of `times`, in milliseconds, and the machine-readable line.
fn summary(name: &str, times: &mut [Duration], target_ms: f64) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (p50, p99, max) = (
        ms(times[times.len() / 2]),
        ms(times[(times.len() * 99).div_ceil(100) - 1]),
        ms(times[times.len() - 1]),
    );
    format!(
        "{name:<40} p50 {p50:>8.2} ms  p99 {p99:>8.2} ms  max {max:>8.2} ms\n\
         bench name={} p50_ms={p50:.2} p99_ms={p99:.2} target_ms={target_ms}",
        name.replace(' ', "_")
    )
}

/// A PayPal statement of up to 100,000 lines against the book: import (which decides every
/// line), review pages (p50/p99 over 60 runs each) beside the former design (matching every
/// line for each page) and the sqlite3 shell running the same page query, and confirming every
/// exact match at once. Nine lines in ten carry the payout id back, every tenth only the
/// amount, currency and recipient (a day after the payout was made).
async fn statements(ledger: &Ledger, path: &std::path::Path, n: i64) {
    let lines = (n / 10).min(100_000);
    let mut csv =
        String::from("Date,Currency,Gross,To Email Address,Transaction ID,Custom Number\n");
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    for i in 1..=lines {
        let id = i * 10;
        let currency = ["USD", "EUR", "GBP", "JPY"][(id % 4) as usize];
        let minor = 100 + id % 50_000;
        let amount = if currency == "JPY" {
            format!("-{minor}")
        } else {
            format!("-{}.{:02}", minor / 100, minor % 100)
        };
        let (day, number) = if i % 10 == 0 {
            let made =
                start + chrono::Duration::seconds(id * 63_072_000 / n) + chrono::Duration::days(1);
            (made.format("%m/%d/%Y").to_string(), String::new())
        } else {
            ("01/25/2026".to_owned(), ledger::PayoutId(id).to_string())
        };
        csv.push_str(&format!(
            "{day},{currency},{amount},x@example.com,TX{i:08},{number}\n"
        ));
    }
    let origin = ledger::Origin::manual("Bench", Utc::now());
    reset_peak();
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
        "statement of {lines} lines: import and decide every line {:.2} s (target 2 s), peak memory {}; {:?}",
        imported.as_secs_f64(),
        peak_mb(),
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

async fn fill(path: &std::path::Path, n: i64) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let customers = (n / 100).max(10);
    for sql in [
        "PRAGMA synchronous = OFF",
        "BEGIN",
        "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < ?1)
         INSERT INTO customers (id, uuid, username, username_key, display_name, created_at, updated_at)
         SELECT x, randomblob(16), printf('user%05d', x), printf('user%05d', x), printf('Customer %d', x),
                '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z' FROM i",
        "INSERT INTO payment_accounts (id, uuid, customer_id, kind, is_default, provider, handle_kind, handle, created_at, updated_at)
         SELECT id, randomblob(16), id, 'digital', 1, 'paypal', 'email', username || '@example.com', created_at, created_at FROM customers",
        "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < ?2)
         INSERT INTO incentive_requests (id, uuid, customer_id, amount_minor, currency, status, decided_at, created_at, updated_at)
         SELECT x, randomblob(16), 1 + x % ?1, 100 + x % 50000, CASE x % 4 WHEN 0 THEN 'USD' WHEN 1 THEN 'EUR' WHEN 2 THEN 'GBP' ELSE 'JPY' END,
                'approved', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z' FROM i",
        "INSERT INTO payouts (id, uuid, request_id, customer_id, amount_minor, currency, method, account_id, account_snapshot,
                              status, description, external_reference, created_at, updated_at)
         SELECT r.id, randomblob(16), r.id, r.customer_id, r.amount_minor, r.currency, 'digital', r.customer_id,
                json_object('kind', 'digital', 'provider', 'paypal', 'handle_kind', 'email', 'handle', 'x@example.com'),
                CASE r.id % 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'on_process' WHEN 2 THEN 'success' ELSE 'failed' END,
                'Cashback for order ' || r.id,
                CASE WHEN r.id % 4 = 2 THEN printf('REF-%08d', r.id) END,
                strftime('%Y-%m-%dT%H:%M:%f000Z', '2024-01-01', '+' || (r.id * 63072000 / ?2) || ' seconds'),
                '2024-01-01T00:00:00.000000Z'
           FROM incentive_requests r",
        // Two audit events per payout, for timing the audit log's pages (their hashes are not
        // a real chain: this book is for timing only).
        "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 2 * ?2)
         INSERT INTO audit_events (seq, uuid, at, actor, source, action, entity, entity_id, changes, note, prev_hash, hash)
         SELECT x, randomblob(16), strftime('%Y-%m-%dT%H:%M:%f000Z', '2024-01-01', '+' || (x * 31536000 / ?2) || ' seconds'),
                'Owner', CASE x % 10 WHEN 0 THEN 'import' ELSE 'manual' END, CASE x % 2 WHEN 0 THEN 'status' ELSE 'create' END,
                'payout', (x + 1) / 2, '[]', CASE WHEN x % 100000 = 7 THEN 'rare note ' || x ELSE '' END,
                printf('%064d', x - 1), printf('%064d', x)
           FROM i",
        "DELETE FROM settings WHERE key = 'payout_search_version'",
        "COMMIT",
    ] {
        sqlx::query(sql)
            .bind(customers)
            .bind(n)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}
