//! The desktop shell: opens the book once, manages it as state and exposes one thin command
//! per ledger function. No rule of the domain lives here (docs/ARCHITECTURE.md, rule 1).

mod book;
mod closing;
mod command_names;
mod commands;
mod files;
mod log;
mod one_window;
mod page_crash;
#[cfg(test)]
mod tests;
mod window_place;

use tauri::Manager;

pub use book::Book;
pub use command_names::COMMANDS;

/// Adds the app's commands to a builder (the real runtime's or the test mock's).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::book_info,
        commands::help_info,
        commands::list_currencies,
        commands::list_payout_currencies,
        commands::add_customer,
        commands::list_customers,
        commands::customer_accounts,
        commands::add_payment_account,
        commands::add_request,
        commands::decide_request,
        commands::correct_request_amount,
        commands::edit_request,
        commands::void_request,
        commands::list_requests,
        commands::list_payouts,
        commands::payout_preview,
        commands::create_payout,
        commands::payout_history,
        commands::payout_detail,
        commands::change_payout_status,
        commands::retry_payout,
        commands::bulk_change_status,
        commands::pay_all_approved,
        commands::edit_payout,
        commands::reveal_payout_account,
        commands::edit_customer,
        commands::customer_overview,
        commands::edit_payment_account,
        commands::set_default_account,
        commands::archive_payment_account,
        commands::reveal_payment_account,
        commands::add_program,
        commands::edit_program,
        commands::archive_program,
        commands::list_programs,
        commands::load_sample_data,
        commands::export_payouts,
        commands::export_audit_log,
        commands::payment_files,
        commands::list_runs,
        commands::payment_run,
        commands::write_run_again,
        commands::mark_run_paid,
        commands::save_run_messages,
        commands::payout_message,
        commands::save_payout_message,
        commands::owner_account,
        commands::set_owner_account,
        commands::statement_mappings,
        commands::save_statement_mapping,
        commands::preview_statement_csv,
        commands::import_statement,
        commands::forget_statement_name,
        commands::statement_imports,
        commands::statement_review,
        commands::payouts_without_line,
        commands::confirm_statement_lines,
        commands::dismiss_statement_line,
        commands::restore_statement_line,
        commands::confirm_matched_lines,
        commands::record_mappings,
        commands::preview_records_csv,
        commands::check_records,
        commands::import_records,
        commands::set_operator_name,
        commands::backups,
        commands::back_up,
        commands::restore_backup,
        commands::restore_from_file,
        commands::start_up,
        commands::restore_at_start,
        commands::start_new_book,
        commands::open_again,
        commands::open_book_file,
        commands::second_backup_folder,
        commands::set_second_backup_folder,
        commands::needs_attention,
        commands::audit_log,
        commands::verify_book,
        commands::chain_head,
        commands::work_progress,
        commands::cancel_work,
    ])
}

/// The app's configuration, capabilities and embedded UI.
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

pub fn run() {
    let context = context();
    let identifier = context.config().identifier.clone();
    with_commands(
        tauri::Builder::default()
            .plugin(one_window::plugin(&identifier))
            .plugin(window_place::plugin()),
    )
    .on_window_event(closing::on_window_event)
    .setup(|app| {
        window_place::keep(app.handle());
        match book::log_dir(app.handle()) {
            Some(dir) => {
                if let Err(err) = log::start(&dir) {
                    eprintln!("incentise: no log file: {err}");
                }
            }
            None => eprintln!("incentise: no log folder on this system"),
        }
        tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            "Incentise Payouts starts"
        );
        // The window shows at once and says what is done while the book opens: a large
        // book's upgrade can take a minute.
        app.manage(Book::opening());
        // After the log and the book's state: what these report is logged, and they read it.
        if let Some(window) = app.get_webview_window("main") {
            page_crash::watch(&window);
            closing::close_on_request(window.as_ref().window());
        }
        let handle = app.handle().clone();
        tauri::async_runtime::spawn(async move {
            handle.state::<Book>().reopen(&handle).await;
        });
        Ok(())
    })
    .build(context)
    .expect("the app failed to start")
    .run(|app, event| {
        // The search indexes catch up and the chain head is written down outside the book
        // as the app closes.
        if let tauri::RunEvent::Exit = event {
            // A job that did not stop in time (closing.rs) still holds the writer: its
            // transaction is rolled back as the process ends, and the indexes and the anchor
            // catch up at the next start.
            if let Some(what) = app.state::<Book>().work.running() {
                tracing::warn!(work = what, "the app ends while work runs");
                return;
            }
            if let Ok(ledger) = app.state::<Book>().ledger() {
                // A large change's search lines, so a read-only open next finds them.
                let caught_up = tauri::async_runtime::block_on(ledger.catch_up_search_indexes());
                if let Err(err) = caught_up {
                    tracing::warn!("the search indexes did not catch up before exit: {err}");
                }
                let anchored =
                    tauri::async_runtime::block_on(ledger.anchor("close", chrono::Utc::now()));
                if let Err(err) = anchored {
                    tracing::error!("the book's head was not written down: {err}");
                }
            }
        }
    });
}
