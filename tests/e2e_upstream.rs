//! Customers, payment accounts, programs, requests and the first-run sample data, end to end.
//!
//! Linux only: the app's webview there (WebKitGTK) has a WebDriver, WebKitWebDriver; macOS's
//! WKWebView has none, and the Windows one (msedgedriver) was never tried with this harness.
#![cfg(target_os = "linux")]

mod support;

use support::*;

#[test]
fn a_customer_gets_a_bank_and_a_digital_account_and_a_wrong_iban_saves_nothing() {
    run("customer-accounts", |s| async move {
        let c = &s.client;
        open_screen(c, "customers").await;
        click(c, "#add-customer").await;
        type_into(c, "dialog [name=username]", "lena").await;
        type_into(c, "dialog [name=display_name]", "Lena Vogel").await;
        click(c, "dialog button[type=submit]").await;
        let row = "tr[data-username='lena']";
        wait_for(c, row).await;

        // A wrong IBAN: the error is next to the field, nothing is saved, the dialog stays.
        click(c, &format!("{row} [data-action=add-account]")).await;
        // The holder starts as the customer's name.
        let holder = js(
            c,
            "return document.querySelector('dialog [name=holder_name]').value",
            vec![],
        )
        .await;
        assert_eq!(holder, "Lena Vogel");
        type_into(c, "dialog [name=holder_name]", "Lena Vogel").await;
        type_into(c, "dialog [name=iban]", "DE88 3704 0044 0532 0130 00").await;
        click(c, "dialog button[type=submit]").await;
        let error = wait_text(c, "dialog label:has([name=iban]) .field-error", |t| {
            !t.is_empty()
        })
        .await;
        assert!(error.contains("check digits"), "{error}");
        assert_eq!(rows(&s.book, "payment_accounts").await, 0);

        type_into(c, "dialog [name=iban]", "de89 3704 0044 0532 0130 00").await;
        type_into(c, "dialog [name=bic]", "COBADEFF").await;
        type_into(c, "dialog [name=country]", "DE").await;
        click(c, "dialog button[type=submit]").await;
        wait_text(c, &format!("{row} td.accounts"), |t| {
            t.contains("IBAN DE •••• 3000")
        })
        .await;

        click(c, &format!("{row} [data-action=add-account]")).await;
        select(c, "dialog [name=kind]", "digital").await;
        select(c, "dialog [name=provider]", "venmo").await;
        select(c, "dialog [name=handle_kind]", "username").await;
        type_into(c, "dialog [name=handle]", "@lena-v").await;
        click(c, "dialog button[type=submit]").await;
        let accounts = wait_text(c, &format!("{row} td.accounts"), |t| t.contains("Venmo")).await;
        assert!(accounts.contains("Venmo · @l•••"), "{accounts}");
        assert!(
            !accounts.contains("0532013000"),
            "lists are masked: {accounts}"
        );

        // The customer page: reveal (audited), make the Venmo account the default.
        click(c, &format!("{row} .open-customer")).await;
        let iban = "#customer-accounts li:first-child";
        click(c, &format!("{iban} [data-action=reveal]")).await;
        wait_text(c, &format!("{iban} [data-field=iban]"), |t| {
            t.contains("DE89370400440532013000")
        })
        .await;
        assert_eq!(
            rows(&s.book, "audit_events WHERE action = 'reveal'").await,
            1
        );
        click(
            c,
            "#customer-accounts li:nth-child(2) [data-action=default]",
        )
        .await;
        wait_text(c, "#customer-accounts li:first-child", |t| {
            t.contains("Venmo") && t.contains("Default")
        })
        .await;
        s
    });
}

#[test]
fn a_request_from_a_program_is_approved_and_paid() {
    run("program-request-payout", |s| async move {
        let c = &s.client;
        open_screen(c, "customers").await;
        click(c, "#add-customer").await;
        type_into(c, "dialog [name=username]", "ana").await;
        type_into(c, "dialog [name=display_name]", "Ana Souza").await;
        click(c, "dialog button[type=submit]").await;
        click(c, "tr[data-username='ana'] [data-action=add-account]").await;
        select(c, "dialog [name=kind]", "digital").await;
        type_into(c, "dialog [name=handle]", "ana@example.com").await;
        click(c, "dialog button[type=submit]").await;
        wait_text(c, "tr[data-username='ana'] td.accounts", |t| {
            t.contains("PayPal")
        })
        .await;

        open_screen(c, "requests").await;
        click(c, "#manage-programs").await;
        click(c, "#add-program").await;
        type_into(
            c,
            "dialog[data-dialog=program] [name=name]",
            "Referral bonus",
        )
        .await;
        type_into(c, "dialog[data-dialog=program] [name=default_reward]", "15").await;
        type_into(c, "dialog[data-dialog=program] [name=currency]", "BRL").await;
        click(c, "dialog[data-dialog=program] button[type=submit]").await;
        wait_text(c, "#programs-list", |t| {
            t.contains("Referral bonus") && t.contains("15.00 BRL")
        })
        .await;
        click(c, "dialog[data-dialog=programs] .primary").await;

        click(c, "#add-request").await;
        choose_customer(c, "ana").await;
        wait_for(c, "dialog [name=program_id]")
            .await
            .select_by_label("Referral bonus · 15.00 BRL")
            .await
            .unwrap();
        let amount = js(
            c,
            "return document.querySelector('dialog [name=amount]').value",
            vec![],
        )
        .await;
        assert_eq!(amount, "15.00", "the default reward fills the amount");
        click(c, "dialog button[type=submit]").await;
        let number = wait_text(c, "#requests-table tbody tr td.id", |t| {
            t.starts_with("IR-")
        })
        .await;
        let row = format!("tr[data-request='{number}']");
        click(c, &format!("{row} [data-action=approve]")).await;
        wait_text(c, &format!("{row} .badge"), |t| t == "Approved").await;

        open_screen(c, "payouts").await;
        click(c, "#add-payout").await;
        click(c, &format!("#payable-requests [data-request='{number}']")).await;
        wait_text(c, "#preview-amount", |t| t == "15.00 BRL").await;
        click(c, "dialog button[type=submit]").await;
        wait_text(c, "#payouts-table tbody tr", |t| {
            t.contains("15.00 BRL") && t.contains("Pending")
        })
        .await;

        // The request now links to its payout.
        open_screen(c, "requests").await;
        click(c, &format!("{row} [data-action=show-payout]")).await;
        wait_text(c, ".pager .range", |t| t == "1–1 of 1").await;
        let search = js(
            c,
            "return document.querySelector('#payout-search').value",
            vec![],
        )
        .await;
        assert_eq!(search, "PO-000001");
        s
    });
}

#[test]
fn a_new_book_offers_sample_data_and_it_shows_every_status() {
    run("sample-data", |s| async move {
        let c = &s.client;
        wait_text(c, "main", |t| t.contains("No payouts yet")).await;
        click(c, "#load-sample").await;
        wait_text(c, ".pager .range", |t| t.starts_with("1–10 of")).await;
        for status in ["pending", "on_process", "success", "failed", "cancelled"] {
            click(c, &format!(".segmented [data-status={status}]")).await;
            wait_for(c, &format!("#payouts-table tbody .badge.{status}")).await;
            click(c, &format!(".segmented [data-status={status}]")).await;
        }
        assert!(rows(&s.book, "customers").await >= 30);
        open_screen(c, "customers").await;
        wait_text(c, ".pager .range", |t| t.starts_with("1–20 of")).await;
        open_screen(c, "payouts").await;
        wait_text(c, ".pager .range", |t| t.starts_with("1–10 of")).await;
        s
    });
}

#[test]
fn settings_back_up_the_book_set_the_operator_name_and_the_theme() {
    run("settings", |s| async move {
        let c = &s.client;
        open_screen(c, "settings").await;
        let path = wait_text(c, "#book-path", |t| !t.is_empty()).await;
        assert_eq!(path, s.book.display().to_string());
        // The automatic backup of the day was written when the app started.
        wait_text(c, "#backups-table", |t| t.contains("automatic-")).await;

        type_into(c, "#operator-name", "Dana Owner").await;
        click(c, "#operator-form button[type=submit]").await;
        wait_text(c, "#operator", |t| t.contains("Operator: Dana Owner")).await;
        assert_eq!(
            rows(&s.book, "settings WHERE key = 'operator_name'").await,
            1
        );

        // Changes from now on are recorded under the new name.
        click(c, "#back-up").await;
        wait_text(c, "#backups-table", |t| t.contains("manual-")).await;
        assert_eq!(
            rows(
                &s.book,
                "audit_events WHERE action = 'backup' AND actor = 'Dana Owner'"
            )
            .await,
            1
        );

        click(c, "#theme [data-theme-choice=dark]").await;
        let theme = js(c, "return document.documentElement.dataset.theme", vec![]).await;
        assert_eq!(theme, "dark");
        // The choice is kept in the webview's storage, which outlives this book: later flows
        // start as the system says again.
        click(c, "#theme [data-theme-choice=system]").await;
        s
    });
}

/// Backups off this disk (issue 11, item 6): a second folder gets every backup, and a file
/// changed outside the app is refused as a restore, with what differs.
#[test]
fn settings_copy_backups_to_a_second_folder_and_refuse_a_changed_file() {
    run("second-backup-folder", |s| async move {
        let c = &s.client;
        open_screen(c, "settings").await;
        // The folder dialog stands in as the test's save folder.
        click(c, "#choose-second-folder").await;
        let shown = wait_text(c, "#second-folder-path", |t| !t.is_empty()).await;
        assert_eq!(shown, s.saved.display().to_string());
        click(c, "#back-up").await;
        wait_text(c, "#toast", |t| t.contains("and copied to")).await;
        let copies: Vec<String> = std::fs::read_dir(&s.saved)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("manual-") && n.ends_with(".sqlite.zst"))
            .collect();
        assert_eq!(copies.len(), 1, "{copies:?}");

        // That copy, unpacked and changed with sqlite3, offered as the file to restore.
        let packed = std::fs::File::open(s.saved.join(&copies[0])).unwrap();
        std::fs::write(&s.to_open, zstd::decode_all(packed).unwrap()).unwrap();
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", s.to_open.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE settings SET value = '\"Mallory\"' WHERE key = 'second_backup_folder'")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        click(c, "#restore-from-file").await;
        click(c, "#confirm-restore").await;
        let said = wait_text(c, "dialog .outcome", |t| t.contains("cannot be restored")).await;
        assert!(said.contains("setting second_backup_folder"), "{said}");
        s
    });
}
