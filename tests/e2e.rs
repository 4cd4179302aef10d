//! The user flows of docs/PRODUCT.md, in the real app. See `support` for the harness.
//!
//! Linux only: the app's webview there (WebKitGTK) has a WebDriver, WebKitWebDriver; macOS's
//! WKWebView has none, and the Windows one (msedgedriver) was never tried with this harness.
#![cfg(target_os = "linux")]

mod support;

use support::*;

/// Adds a customer through the Customers screen, with a PayPal account unless `account` is false.
async fn add_customer(s: &Session, username: &str, name: &str, account: bool) {
    let c = &s.client;
    open_screen(c, "customers").await;
    click(c, "#add-customer").await;
    type_into(c, "dialog [name=username]", username).await;
    type_into(c, "dialog [name=display_name]", name).await;
    type_into(c, "dialog [name=email]", &format!("{username}@example.com")).await;
    click(c, "dialog button[type=submit]").await;
    let row = format!("tr[data-username='{username}']");
    wait_for(c, &row).await;
    if account {
        click(c, &format!("{row} [data-action=add-account]")).await;
        select(c, "dialog [name=kind]", "digital").await;
        select(c, "dialog [name=provider]", "paypal").await;
        type_into(
            c,
            "dialog [name=handle]",
            &format!("{username}@example.com"),
        )
        .await;
        click(c, "dialog button[type=submit]").await;
        wait_text(c, &format!("{row} td.accounts"), |t| t.contains("PayPal")).await;
    }
}

/// Adds a request for the customer through the Requests screen and approves it.
async fn add_approved_request(s: &Session, username: &str, amount: &str, currency: &str) -> String {
    let c = &s.client;
    open_screen(c, "requests").await;
    click(c, "#add-request").await;
    choose_customer(c, username).await;
    type_into(c, "dialog [name=amount]", amount).await;
    type_into(c, "dialog [name=currency]", currency).await;
    click(c, "dialog button[type=submit]").await;
    wait_for(c, "#requests-table [data-action=approve]").await;
    let number = wait_text(c, "#requests-table tbody tr td.id", |t| {
        t.starts_with("IR-")
    })
    .await;
    click(
        c,
        &format!("tr[data-request='{number}'] [data-action=approve]"),
    )
    .await;
    wait_text(c, &format!("tr[data-request='{number}'] .badge"), |t| {
        t == "Approved"
    })
    .await;
    number
}

#[test]
fn create_a_payout_from_an_approved_request() {
    run("create-payout", |s| async move {
        let c = &s.client;
        wait_text(c, "main", |t| t.contains("No payouts yet")).await;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        let request = add_approved_request(&s, "ada", "12.5", "USD").await;

        open_screen(c, "payouts").await;
        click(c, "#add-payout").await;
        click(c, &format!("#payable-requests [data-request='{request}']")).await;
        wait_text(c, "#preview-amount", |t| t == "12.50 USD").await;
        let account = wait_text(c, "#payout-preview .choice", |t| t.contains("PayPal")).await;
        assert!(
            account.contains("a•••@example.com"),
            "the account is masked: {account}"
        );
        type_into(
            c,
            "dialog [name=description]",
            "March cashback <img src=x onerror=alert(1)>",
        )
        .await;
        click(c, "dialog button[type=submit]").await;

        let row = wait_text(c, "#payouts-table tbody tr", |t| t.contains("PO-000001")).await;
        for expected in [
            &request as &str,
            "ada",
            "12.50 USD",
            "Pending",
            "March cashback <img src=x onerror=alert(1)>",
        ] {
            assert!(
                row.contains(expected),
                "{expected:?} missing from the row: {row}"
            );
        }
        assert_eq!(wait_text(c, ".pager .range", |_| true).await, "1–1 of 1");
        assert_eq!(rows(&s.book, "payouts").await, 1);
        s
    });
}

/// Approving leads to paying: "Make payout" on the approved request's row opens Add cashback
/// payout on the Payouts screen with that request chosen.
#[test]
fn make_payout_on_an_approved_request_opens_its_payout() {
    run("make-payout-from-request", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        let request = add_approved_request(&s, "ada", "7.25", "USD").await;
        let said = wait_text(c, "#toast", |t| t.contains("approved")).await;
        assert!(said.contains("Make payout"), "{said}");
        click(
            c,
            &format!("tr[data-request='{request}'] [data-action=make-payout]"),
        )
        .await;
        wait_for(c, ".sidebar a[data-screen='payouts'][aria-current='page']").await;
        wait_text(c, "#preview-amount", |t| t == "7.25 USD").await;
        save_screenshot(c, "make-payout-from-request-dialog").await;
        click(c, "dialog[data-dialog=add-payout] button[type=submit]").await;
        wait_text(c, "#payouts-table tbody", |t| {
            t.contains("PO-000001") && t.contains(&request)
        })
        .await;
        open_screen(c, "requests").await;
        let row = wait_text(c, &format!("tr[data-request='{request}']"), |t| {
            t.contains("PO-000001")
        })
        .await;
        assert!(!row.contains("Make payout"), "{row}");
        s
    });
}

/// "Pay all approved" on the Requests screen says how many requests wait, makes their payouts
/// in one go, and names the request left because its customer has no payment account; the
/// request search then finds the customer's requests with their new payouts.
#[test]
fn pay_all_approved_requests_at_once() {
    run("pay-all-approved", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        add_customer(&s, "noacct", "Nora Account", false).await;
        add_approved_request(&s, "ada", "12.5", "USD").await;
        add_approved_request(&s, "ada", "3", "EUR").await;
        let left = add_approved_request(&s, "noacct", "30", "EUR").await;

        click(c, "#pay-all-approved").await;
        wait_text(c, "#pay-all-count", |t| {
            t.starts_with("3 approved requests have no payout yet.")
        })
        .await;
        type_into(c, "dialog [name=description]", "Spring cashback").await;
        wait_text(c, "dialog button[type=submit]", |t| t == "Create 3 payouts").await;
        save_screenshot(c, "pay-all-approved-dialog").await;
        click(c, "dialog button[type=submit]").await;
        let said = wait_text(c, "#toast", |t| t.contains("payouts created")).await;
        assert!(
            said.starts_with("2 payouts created (PO-000001 to PO-000002).")
                && said.contains(&format!("1 request was left: no payment account ({left})")),
            "{said}"
        );
        assert_eq!(rows(&s.book, "payouts").await, 2);

        type_into(c, "#request-search", "lovelace").await;
        wait_text(c, "#requests-table tbody", |t| {
            t.contains("PO-000001") && t.contains("PO-000002") && !t.contains(&left)
        })
        .await;
        s
    });
}

#[test]
fn a_requests_amount_is_corrected_with_a_reason_until_it_is_paid() {
    run("correct-request-amount", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        let number = add_approved_request(&s, "ada", "12.5", "USD").await;
        let row = format!("tr[data-request='{number}']");
        click(c, &format!("{row} [data-action=correct-amount]")).await;
        let dialog = "dialog[data-dialog=correct-amount]";
        type_into(c, &format!("{dialog} [name=amount]"), "15").await;
        click(c, &format!("{dialog} button[type=submit]")).await;
        let error = wait_text(c, &format!("{dialog} .field-error"), |t| !t.is_empty()).await;
        assert!(error.contains("Say why"), "{error}");
        type_into(
            c,
            &format!("{dialog} [name=note]"),
            "The order was 150.00, not 125.00",
        )
        .await;
        save_screenshot(c, "correct-request-amount-dialog").await;
        click(c, &format!("{dialog} button[type=submit]")).await;
        wait_text(c, &row, |t| t.contains("15.00 USD")).await;
        // Paid: the amount is what the payout copied, and stays.
        click(c, "#pay-all-approved").await;
        click(
            c,
            "dialog[data-dialog=pay-all-approved] button[type=submit]",
        )
        .await;
        wait_text(c, &row, |t| t.contains("PO-000001")).await;
        let actions = js(
            c,
            &format!(
                "return document.querySelectorAll(\"{row} [data-action=correct-amount]\").length"
            ),
            vec![],
        )
        .await;
        assert_eq!(actions, 0);
        assert_eq!(rows(&s.book, "payouts WHERE amount_minor = 1500").await, 1);
        s
    });
}

#[test]
fn a_new_request_starts_in_the_currency_the_customer_is_paid_in() {
    run("request-currency", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        add_customer(&s, "bob", "Bob Smith", true).await;
        add_approved_request(&s, "ada", "12.5", "EUR").await;
        add_approved_request(&s, "bob", "7", "USD").await;
        click(c, "#add-request").await;
        let currency = "dialog[data-dialog=add-request] [name=currency]";
        wait_for(c, currency).await;
        let value = |c: &fantoccini::Client| {
            let c = c.clone();
            async move {
                js(
                    &c,
                    &format!("return document.querySelector(\"{currency}\").value"),
                    vec![],
                )
                .await
            }
        };
        assert_eq!(value(c).await, "USD", "the book's latest request's");
        choose_customer(c, "ada").await;
        let mut seen = serde_json::Value::Null;
        for _ in 0..50 {
            seen = value(c).await;
            if seen == "EUR" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(seen, "EUR", "Ada's latest request's");
        s
    });
}

#[test]
fn a_request_is_added_from_the_customers_page() {
    run("customer-page-request", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        click(c, "tr[data-username='ada'] .open-customer").await;
        click(c, "#add-customer-request").await;
        let dialog = "dialog[data-dialog=add-request]";
        wait_for(c, &format!("{dialog} [name=amount]")).await;
        let chosen = wait_text(c, "#customer-choices [aria-selected=true]", |t| {
            !t.is_empty()
        })
        .await;
        assert_eq!(chosen.trim(), "Ada Lovelace (ada)");
        type_into(c, &format!("{dialog} [name=amount]"), "12,50").await;
        type_into(c, &format!("{dialog} [name=currency]"), "EUR").await;
        click(c, &format!("{dialog} button[type=submit]")).await;
        let requests = wait_text(c, "#customer-requests", |t| t.contains("IR-000001")).await;
        assert!(requests.contains("12.50 EUR"), "{requests}");
        save_screenshot(c, "customer-page-request").await;
        s
    });
}

#[test]
fn a_customer_without_a_payment_account_is_refused() {
    run("refuse-no-account", |s| async move {
        let c = &s.client;
        add_customer(&s, "noacct", "Nora Account", false).await;
        wait_text(c, "tr[data-username='noacct'] td.accounts", |t| {
            t.contains("No payment account")
        })
        .await;
        let request = add_approved_request(&s, "noacct", "30", "EUR").await;

        open_screen(c, "payouts").await;
        click(c, "#add-payout").await;
        click(c, &format!("#payable-requests [data-request='{request}']")).await;
        let refusal = wait_text(c, "#preview-error", |t| !t.is_empty()).await;
        assert!(refusal.contains("has no payment account"), "{refusal}");
        assert!(refusal.contains("Go to Customers"), "{refusal}");
        let submit = wait_for(c, "dialog button[type=submit]").await;
        assert!(
            !submit.is_enabled().await.unwrap(),
            "nothing can be created"
        );
        assert_eq!(rows(&s.book, "payouts").await, 0);
        s
    });
}

#[test]
fn bad_input_is_shown_next_to_its_field_and_saves_nothing() {
    run("field-errors", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", false).await;
        open_screen(c, "requests").await;
        click(c, "#add-request").await;
        choose_customer(c, "ada").await;
        type_into(c, "dialog [name=amount]", "12.505").await;
        click(c, "dialog button[type=submit]").await;
        let message = wait_text(c, "dialog .field-error", |t| !t.is_empty()).await;
        assert!(message.contains("2 decimal places"), "{message}");
        let invalid = wait_for(c, "dialog [aria-invalid=true]").await;
        assert_eq!(
            invalid.attr("name").await.unwrap().as_deref(),
            Some("amount")
        );
        assert_eq!(
            rows(&s.book, "incentive_requests").await,
            0,
            "nothing was written"
        );
        s
    });
}

/// A customer added while the search hides it is said hidden, with one click to show it; one
/// the list shows is simply there.
#[test]
fn a_customer_added_behind_the_search_is_said_hidden_and_shown_in_one_click() {
    run("customer-added-hidden", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", false).await;
        assert_eq!(count_of(c, "#hidden-change").await, 0, "ada is in view");
        type_into(c, "#customer-search", "lovelace").await;
        wait_text(c, "#customer-list", |t| t.contains("Ada Lovelace")).await;
        click(c, "#add-customer").await;
        type_into(c, "dialog [name=username]", "bob").await;
        type_into(c, "dialog [name=display_name]", "Bob Smith").await;
        click(c, "dialog button[type=submit]").await;
        let said = wait_text(c, "#hidden-change", |t| !t.is_empty()).await;
        assert!(said.contains("(bob) is not on this page"), "{said}");
        click(c, "#show-changed").await;
        wait_for(c, "tr[data-username='bob']").await;
        s
    });
}

/// A customer's page says what is owed them and what was paid, per currency.
#[test]
fn a_customers_page_says_what_is_owed_and_paid() {
    run("customer-totals", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        add_approved_request(&s, "ada", "12.5", "USD").await;
        open_screen(c, "customers").await;
        click(c, "tr[data-username='ada'] .open-customer").await;
        let usd = wait_text(c, "#customer-totals tr[data-currency='USD']", |t| {
            !t.is_empty()
        })
        .await;
        let cells: Vec<&str> = usd.split_whitespace().collect();
        assert_eq!(cells, ["USD", "12.50", "0.00", "0.00", "0.00"], "{usd}");
        s
    });
}

/// A pending request's note is edited from its row; once approved it offers no Edit.
#[test]
fn a_pending_request_is_edited_until_it_is_decided() {
    run("request-edit", |s| async move {
        let c = &s.client;
        add_customer(&s, "ada", "Ada Lovelace", true).await;
        open_screen(c, "requests").await;
        click(c, "#add-request").await;
        choose_customer(c, "ada").await;
        type_into(c, "dialog [name=amount]", "5").await;
        type_into(c, "dialog [name=currency]", "EUR").await;
        type_into(c, "dialog [name=note]", "Order 1001").await;
        click(c, "dialog button[type=submit]").await;
        let row = "tr[data-request='IR-000001']";
        click(c, &format!("{row} [data-action=edit-request]")).await;
        let note = wait_for(c, "dialog[data-dialog=edit-request] [name=note]").await;
        assert_eq!(
            note.prop("value").await.unwrap().as_deref(),
            Some("Order 1001")
        );
        type_into(
            c,
            "dialog[data-dialog=edit-request] [name=note]",
            "Order 1001, item kept",
        )
        .await;
        click(c, "dialog[data-dialog=edit-request] button[type=submit]").await;
        wait_text(c, row, |t| t.contains("Order 1001, item kept")).await;
        click(c, &format!("{row} [data-action=approve]")).await;
        wait_text(c, &format!("{row} .badge"), |t| t == "Approved").await;
        assert_eq!(
            count_of(c, &format!("{row} [data-action=edit-request]")).await,
            0
        );
        s
    });
}

/// A record fixture of the ledger's tests (`crates/ledger/tests/fixtures/records`).
fn record_fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/crates/ledger/tests/fixtures/records/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The value of the import dialog's column select for `field`.
async fn mapped_column(c: &fantoccini::Client, field: &str) -> String {
    js(
        c,
        "return document.querySelector(`#import-columns [name=column_${arguments[0]}]`).value",
        vec![field.into()],
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

/// A shop's customer export, then a form tool's responses: mapped, checked (every bad line
/// named, nothing written), imported; the imported records in view.
#[test]
fn customers_and_approved_requests_are_imported_from_csv_files() {
    run("import-records", |s| async move {
        let c = &s.client;
        std::fs::write(&s.to_open, record_fixture("customers-shopify.csv")).unwrap();
        open_screen(c, "customers").await;
        click(c, "#import-customers").await;
        click(c, "#import-choose").await;
        wait_text(c, "#import-preview", |t| {
            t.to_lowercase().contains("customer id")
        })
        .await;
        // Guessed from the header: Shopify has no username column, so the e-mail is one.
        for (field, column) in [
            ("external_id", "Customer ID"),
            ("username", "Email"),
            ("name", "First Name"),
            ("last_name", "Last Name"),
            ("email", "Email"),
            ("paypal_email", "PayPal Email"),
            ("iban", ""),
        ] {
            assert_eq!(mapped_column(c, field).await, column, "{field}");
        }
        type_into(c, "#f-import_source", "Shopify").await;
        click(c, "#import-check").await;
        let summary = wait_text(c, "#import-summary", |t| !t.is_empty()).await;
        assert_eq!(
            summary.trim(),
            "6 lines: 3 ready to import, 3 lines with a problem (left out)."
        );
        wait_text(c, "#import-problems tr[data-line='6']", |t| {
            t.contains("is on line 2 too")
        })
        .await;
        assert_eq!(
            rows(&s.book, "customers").await,
            0,
            "a check writes nothing"
        );
        js(
            c,
            "document.querySelector('#import-result').scrollIntoView()",
            vec![],
        )
        .await;
        save_screenshot(c, "import-records-check").await;
        click(c, "#import-run").await;
        let said = wait_text(c, "#toast", |t| t.contains("Imported")).await;
        assert!(said.contains("3 customers, 2 payment accounts"), "{said}");
        wait_text(c, "#customers-table", |t| t.contains("Zoë Łukasiewicz")).await;
        assert_eq!(count_of(c, "dialog[data-dialog=import-records]").await, 0);
        // The same file again: its saved mapping is taken by its columns, its lines are known.
        click(c, "#import-customers").await;
        click(c, "#import-choose").await;
        wait_text(c, "#import-preview", |t| {
            t.to_lowercase().contains("customer id")
        })
        .await;
        let source = js(
            c,
            "return document.querySelector('#f-import_source').value",
            vec![],
        )
        .await;
        assert_eq!(source, "Shopify");
        click(c, "#import-check").await;
        let summary = wait_text(c, "#import-summary", |t| !t.is_empty()).await;
        assert!(
            summary.contains("0 ready to import, 3 imported before"),
            "{summary}"
        );
        assert!(
            js(
                c,
                "return document.querySelector('#import-run').disabled",
                vec![]
            )
            .await
                == true
        );
        click(
            c,
            "dialog[data-dialog=import-records] .actions button:not(.primary)",
        )
        .await;

        std::fs::write(&s.to_open, record_fixture("requests-typeform.csv")).unwrap();
        open_screen(c, "requests").await;
        click(c, "#import-requests").await;
        click(c, "#import-choose").await;
        wait_text(c, "#import-preview", |t| {
            t.to_lowercase().contains("network id")
        })
        .await;
        for (field, column) in [
            ("external_id", "#"),
            ("username", "What is your username?"),
            ("amount", "How much cashback did we promise?"),
            ("currency", "Currency"),
            ("program", "Which program?"),
            ("note", "Anything else we should know?"),
        ] {
            assert_eq!(mapped_column(c, field).await, column, "{field}");
        }
        type_into(c, "#f-import_source", "Cashback form").await;
        click(c, "#import-check").await;
        wait_text(c, "#import-problems tr[data-line='4']", |t| {
            t.contains("EURO")
        })
        .await;
        // The book has no programs yet: the referral's line waits for one.
        wait_text(c, "#import-problems tr[data-line='2']", |t| {
            t.contains("no active program \"Spring referral\"")
        })
        .await;
        click(c, "#import-run").await;
        let said = wait_text(c, "#toast", |t| t.contains("approved request")).await;
        assert!(said.contains("Imported 2 approved requests"), "{said}");
        // Shown where they are dealt with: approved, without a payout yet.
        let filter = js(
            c,
            "return document.querySelector('#request-filter').value",
            vec![],
        )
        .await;
        assert_eq!(filter, "payable");
        wait_text(c, "#request-list", |t| {
            t.contains("1250.00 USD") && t.contains("15.00 EUR")
        })
        .await;
        assert_eq!(
            rows(&s.book, "incentive_requests WHERE status = 'approved'").await,
            2
        );
        s
    });
}

/// A customers file long enough (10,000 lines) for its import to run a few seconds.
fn many_customers() -> String {
    let mut csv = String::from("id,username,name,iban\n");
    for k in 0..10_000 {
        csv.push_str(&format!(
            "{k},user{k},Customer {k},DE89370400440532013000\n"
        ));
    }
    csv
}

/// Starts the import of [`many_customers`] and asks the window to close while it runs.
async fn close_while_importing(s: &Session) {
    let c = &s.client;
    std::fs::write(&s.to_open, many_customers()).unwrap();
    open_screen(c, "customers").await;
    click(c, "#import-customers").await;
    click(c, "#import-choose").await;
    wait_for(c, "#import-preview").await;
    type_into(c, "#f-import_source", "Sheet").await;
    click(c, "#import-check").await;
    wait_text(c, "#import-summary", |t| t.contains("10000 ready")).await;
    click(c, "#import-run").await;
    // The job is surely under way once it has told its progress.
    wait_text(c, "#import-result", |t| t.contains("so far")).await;
    // The test hook's way to ask the window to close (closing.rs).
    std::fs::write(s.saved.join("close-window"), "").unwrap();
}

/// Whether the app started on `book` still runs: a process of the app's binary whose
/// environment names the book.
fn app_running(book: &std::path::Path) -> bool {
    let wanted = format!("INCENTISE_DB={}", book.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .any(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            exe.ends_with("incentise-payouts")
                && std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == wanted.as_bytes()))
        })
}

/// Closing while an import runs asks first; "Keep working" leaves the import to finish.
#[test]
fn closing_while_an_import_runs_asks_first_and_can_keep_working() {
    run_with_env(
        "close-keep-working",
        &[("INCENTISE_CLOSE_ANSWER", "keep")],
        |s| async move {
            close_while_importing(&s).await;
            let c = &s.client;
            let said = wait_text(c, "#toast", |t| t.contains("Imported")).await;
            assert!(said.contains("10000 customers"), "{said}");
            // The window was asked to close, and the answer kept it.
            let log = app_log(&s.book);
            assert!(
                log.contains("the window was asked to close while work ran")
                    && log.contains("close=false"),
                "{log}"
            );
            assert_eq!(rows(&s.book, "customers").await, 10_000);
            s
        },
    );
}

/// "Close anyway" stops the import, which undoes itself, and the app ends.
#[test]
fn closing_while_an_import_runs_can_close_anyway_and_nothing_is_half_done() {
    run_with_env(
        "close-anyway",
        &[("INCENTISE_CLOSE_ANSWER", "close")],
        |s| async move {
            close_while_importing(&s).await;
            let started = std::time::Instant::now();
            while app_running(&s.book) {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(30),
                    "the app did not end"
                );
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            assert_eq!(rows(&s.book, "customers").await, 0, "the import was undone");
            // Asked, closed, and the import stopped by the cancel before the window closed.
            let log = app_log(&s.book);
            assert!(log.contains("close=true"), "{log}");
            assert!(!log.contains("did not stop in time"), "{log}");
            assert!(!log.contains("the app ends while work runs"), "{log}");
            s
        },
    );
}
