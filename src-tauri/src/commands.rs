//! One thin command per ledger function: take the state, call the ledger, return its result.
//! Arguments arrive in snake_case, as the ledger names them; every value is validated by the
//! ledger, never trusted from the webview.

use ledger::accounts::{AccountField, AccountInput, AccountSummary};
use ledger::anchors::ChainHead;
use ledger::attention::NeedsAttention;
use ledger::audit_log::{AuditPage, AuditQuery};
use ledger::backups::Backup;
use ledger::customer_page::CustomerOverview;
use ledger::customers::{Customer, CustomerInput};
use ledger::data_import::{
    read_records_file, RecordCheck, RecordImport, RecordKind, RecordMapping,
};
use ledger::export::{CsvOptions, Written};
use ledger::messages::{Message, RunMessages};
use ledger::payment_files::{PaymentFileKind, PaymentFiles};
use ledger::payouts::{
    BulkOutcome, NewPayout, PaidAll, Payment, Payout, PayoutDetail, PayoutEdit, PayoutList,
    PayoutPreview, PayoutQuery, Retry, StatusChange,
};
use ledger::programs::{Program, ProgramInput};
use ledger::requests::{Decision, Request, RequestEdit, RequestFilter, RequestInput, RequestList};
use ledger::runs::{Run, RunDetail};
use ledger::sample::SampleSummary;
use ledger::settings::OwnerAccount;
use ledger::statements::{
    preview_csv, read_statement_file, ConfirmOutcome, Confirmation, CsvMapping, CsvPreview,
    DateOrder, ImportOutcome, ImportSummary, Review, ReviewQuery, StatementFormat, TextEncoding,
};
use ledger::verify::BookReport;
use ledger::{
    AccountId, AuditEvent, Currency, CustomerId, Error, Page, PageRequest, PayoutId, ProgramId,
    RequestId, RunId, Source,
};
use serde::Serialize;
use tauri::{Runtime, State, Window};

use crate::book::Held;
use crate::files;
use crate::Book;

type Answer<T> = Result<T, Error>;

#[derive(Serialize)]
pub struct BookInfo {
    path: String,
    operator: String,
}

#[tauri::command(rename_all = "snake_case")]
pub fn book_info(book: State<'_, Book>) -> Answer<BookInfo> {
    let path = book.ledger()?.path().display().to_string();
    Ok(BookInfo {
        path,
        operator: book.operator(),
    })
}

/// The Help screen: what this is and where its files are, and the diagnostics a support
/// reader needs (no names, accounts or amounts; the log's lines are redacted as written).
#[derive(Serialize)]
pub struct HelpInfo {
    version: &'static str,
    system: String,
    book: Option<String>,
    backups: Option<String>,
    log: Option<String>,
    trust: Option<String>,
    diagnostics: String,
}

#[tauri::command(rename_all = "snake_case")]
pub async fn help_info<R: Runtime>(
    app: tauri::AppHandle<R>,
    book: State<'_, Book>,
) -> Answer<HelpInfo> {
    let shown = |p: Option<std::path::PathBuf>| p.map(|p| p.display().to_string());
    let log = crate::book::log_dir(&app);
    let system = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    let version = env!("CARGO_PKG_VERSION");
    let mut lines = vec![format!("Incentise Payouts {version} on {system}")];
    let (path, backups) = match book.ledger() {
        Ok(ledger) => {
            lines.push(format!("Book: {}", ledger.path().display()));
            match ledger.book_facts().await {
                Ok(facts) => lines.extend(facts.lines()),
                Err(err) => lines.push(format!("The book's facts could not be read: {err}")),
            }
            (
                Some(ledger.path().to_owned()),
                Some(ledger::store::backup_dir(ledger.path())),
            )
        }
        Err(err) => {
            lines.push(format!("The book is not open: {err}"));
            (None, None)
        }
    };
    if let Some(dir) = &log {
        lines.push(format!("Log folder: {}", dir.display()));
        lines.push("Last lines of the log (account numbers masked):".into());
        lines.extend(crate::log::tail(dir, 30));
    }
    Ok(HelpInfo {
        version,
        system,
        book: shown(path),
        backups: shown(backups),
        log: shown(log),
        trust: shown(crate::book::trust_dir(&app)),
        diagnostics: lines.join("\n"),
    })
}

#[derive(Serialize)]
pub struct CurrencyInfo {
    code: &'static str,
    name: String,
    exponent: u32,
}

impl From<Currency> for CurrencyInfo {
    fn from(c: Currency) -> CurrencyInfo {
        CurrencyInfo {
            code: c.code(),
            name: c.name(),
            exponent: c.exponent(),
        }
    }
}

#[tauri::command(rename_all = "snake_case")]
pub fn list_currencies() -> Vec<CurrencyInfo> {
    Currency::all()
        .into_iter()
        .map(CurrencyInfo::from)
        .collect()
}

/// The currencies the book's payouts are in: the Payouts screen's currency filter.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_payout_currencies(book: State<'_, Book>) -> Answer<Vec<CurrencyInfo>> {
    let currencies = book.ledger()?.payout_currencies().await?;
    Ok(currencies.into_iter().map(CurrencyInfo::from).collect())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn add_customer(
    book: State<'_, Book>,
    input: CustomerInput,
    idempotency_key: Option<String>,
) -> Answer<Customer> {
    book.ledger()?
        .add_customer_once(&book.origin(), &input, idempotency_key.as_deref())
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_customers(
    book: State<'_, Book>,
    search: String,
    page: PageRequest,
) -> Answer<Page<Customer>> {
    book.ledger()?.list_customers(&search, page).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn customer_accounts(
    book: State<'_, Book>,
    customer_id: CustomerId,
) -> Answer<Vec<AccountSummary>> {
    book.ledger()?.customer_accounts(customer_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn add_payment_account(
    book: State<'_, Book>,
    customer_id: CustomerId,
    input: AccountInput,
    idempotency_key: Option<String>,
) -> Answer<AccountSummary> {
    book.ledger()?
        .add_payment_account_once(
            &book.origin(),
            customer_id,
            &input,
            idempotency_key.as_deref(),
        )
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn add_request(
    book: State<'_, Book>,
    input: RequestInput,
    idempotency_key: Option<String>,
) -> Answer<Request> {
    book.ledger()?
        .add_request_once(&book.origin(), &input, idempotency_key.as_deref())
        .await
}

/// A request's amount, corrected (with a reason) before any payout was made for it.
#[tauri::command(rename_all = "snake_case")]
pub async fn correct_request_amount(
    book: State<'_, Book>,
    id: RequestId,
    amount: String,
    note: String,
) -> Answer<Request> {
    book.ledger()?
        .correct_request_amount(&book.origin(), id, &amount, &note)
        .await
}

/// A pending request's program and note, edited.
#[tauri::command(rename_all = "snake_case")]
pub async fn edit_request(
    book: State<'_, Book>,
    id: RequestId,
    edit: RequestEdit,
) -> Answer<Request> {
    book.ledger()?.edit_request(&book.origin(), id, &edit).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn void_request(book: State<'_, Book>, id: RequestId, reason: String) -> Answer<Request> {
    book.ledger()?
        .void_request(&book.origin(), id, &reason)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn decide_request(
    book: State<'_, Book>,
    id: RequestId,
    decision: Decision,
    note: String,
) -> Answer<Request> {
    book.ledger()?
        .decide_request(&book.origin(), id, decision, &note)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_requests(
    book: State<'_, Book>,
    search: String,
    filter: RequestFilter,
    page: PageRequest,
) -> Answer<RequestList> {
    book.ledger()?.list_requests(&search, filter, page).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_payouts(book: State<'_, Book>, query: PayoutQuery) -> Answer<PayoutList> {
    book.ledger()?.list_payouts(&query).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_preview(book: State<'_, Book>, request_id: RequestId) -> Answer<PayoutPreview> {
    book.ledger()?.payout_preview(request_id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn create_payout(book: State<'_, Book>, input: NewPayout) -> Answer<Payout> {
    book.ledger()?.create_payout(&book.origin(), &input).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_history(book: State<'_, Book>, id: PayoutId) -> Answer<Vec<AuditEvent>> {
    book.ledger()?.payout_history(id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_detail(book: State<'_, Book>, id: PayoutId) -> Answer<PayoutDetail> {
    book.ledger()?.payout_detail(id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn change_payout_status(
    book: State<'_, Book>,
    id: PayoutId,
    change: StatusChange,
) -> Answer<Payout> {
    let ledger = book.ledger()?;
    ledger
        .change_payout_status(&book.origin(), id, &change)
        .await
}

/// Failed → Pending, paid next to another of the customer's accounts when one is named.
#[tauri::command(rename_all = "snake_case")]
pub async fn retry_payout(book: State<'_, Book>, id: PayoutId, retry: Retry) -> Answer<Payout> {
    book.ledger()?
        .retry_payout(&book.origin(), id, &retry)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn bulk_change_status(
    book: State<'_, Book>,
    ids: Vec<PayoutId>,
    change: StatusChange,
) -> Answer<BulkOutcome> {
    let origin = book.origin_of(Source::Bulk);
    book.ledger()?
        .bulk_change_status(&origin, &ids, &change)
        .await
}

/// "Pay all approved": a payout for every approved request that has none.
#[tauri::command(rename_all = "snake_case")]
pub async fn pay_all_approved(book: State<'_, Book>, description: String) -> Answer<PaidAll> {
    let origin = book.origin_of(Source::Bulk);
    book.ledger()?.pay_all_approved(&origin, &description).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn edit_payout(book: State<'_, Book>, id: PayoutId, edit: PayoutEdit) -> Answer<Payout> {
    book.ledger()?.edit_payout(&book.origin(), id, &edit).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reveal_payout_account(
    book: State<'_, Book>,
    id: PayoutId,
) -> Answer<Vec<AccountField>> {
    book.ledger()?
        .reveal_payout_account(&book.origin(), id)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn edit_customer(
    book: State<'_, Book>,
    id: CustomerId,
    input: CustomerInput,
) -> Answer<Customer> {
    book.ledger()?
        .edit_customer(&book.origin(), id, &input)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn customer_overview(book: State<'_, Book>, id: CustomerId) -> Answer<CustomerOverview> {
    book.ledger()?.customer_overview(id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn edit_payment_account(
    book: State<'_, Book>,
    id: AccountId,
    input: AccountInput,
) -> Answer<AccountSummary> {
    let ledger = book.ledger()?;
    ledger
        .edit_payment_account(&book.origin(), id, &input)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_default_account(book: State<'_, Book>, id: AccountId) -> Answer<AccountSummary> {
    book.ledger()?.set_default_account(&book.origin(), id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn archive_payment_account(
    book: State<'_, Book>,
    id: AccountId,
) -> Answer<AccountSummary> {
    book.ledger()?
        .archive_payment_account(&book.origin(), id)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reveal_payment_account(
    book: State<'_, Book>,
    id: AccountId,
) -> Answer<Vec<AccountField>> {
    book.ledger()?
        .reveal_payment_account(&book.origin(), id)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn add_program(
    book: State<'_, Book>,
    input: ProgramInput,
    idempotency_key: Option<String>,
) -> Answer<Program> {
    book.ledger()?
        .add_program_once(&book.origin(), &input, idempotency_key.as_deref())
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn edit_program(
    book: State<'_, Book>,
    id: ProgramId,
    input: ProgramInput,
) -> Answer<Program> {
    book.ledger()?
        .edit_program(&book.origin(), id, &input)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn archive_program(book: State<'_, Book>, id: ProgramId) -> Answer<Program> {
    book.ledger()?.archive_program(&book.origin(), id).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_programs(book: State<'_, Book>, include_archived: bool) -> Answer<Vec<Program>> {
    book.ledger()?.list_programs(include_archived).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn load_sample_data(book: State<'_, Book>) -> Answer<SampleSummary> {
    let origin = book.origin_of(Source::System);
    book.ledger()?.load_sample_data(&origin).await
}

/// Today's date for a suggested file name, in the user's time zone.
fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// Exports the payouts the list's filters select; `None` when the user cancels the dialog.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_payouts<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    query: PayoutQuery,
    options: CsvOptions,
) -> Answer<Option<Written>> {
    let ledger = book.ledger()?;
    let Some(path) = files::save_path(&window, &format!("payouts-{}.csv", today())).await else {
        return Ok(None);
    };
    let origin = book.origin();
    let _job = book.work.start("An export of payouts");
    let progress = |rows| book.work.report(rows);
    ledger
        .export_payouts_csv(&origin, &query, &path, options, &progress)
        .await
        .map(Some)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn export_audit_log<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    options: CsvOptions,
) -> Answer<Option<Written>> {
    let ledger = book.ledger()?;
    let Some(path) = files::save_path(&window, &format!("audit-log-{}.csv", today())).await else {
        return Ok(None);
    };
    let _job = book.work.start("An export of the audit log");
    let progress = |rows| book.work.report(rows);
    ledger
        .export_audit_csv(&book.origin(), &path, options, &progress)
        .await
        .map(Some)
}

/// Payment files of `kind` for the selected payouts, into a folder the user picks; `None` when
/// the dialog is cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn payment_files<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    kind: PaymentFileKind,
    ids: Vec<PayoutId>,
    mark_on_process: bool,
) -> Answer<Option<PaymentFiles>> {
    let ledger = book.ledger()?;
    let title = format!("Folder for the {} files", kind.label());
    let Some(dir) = files::folder(&window, &title).await else {
        return Ok(None);
    };
    let origin = book.origin();
    ledger
        .payment_files(&origin, kind, &ids, &dir, mark_on_process)
        .await
        .map(Some)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_runs(book: State<'_, Book>, page: PageRequest) -> Answer<Page<Run>> {
    book.ledger()?.list_runs(page).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payment_run(book: State<'_, Book>, id: RunId) -> Answer<RunDetail> {
    book.ledger()?.payment_run(id).await
}

/// Writes a run's file again, byte for byte, into a folder the user picks; `None` when the
/// dialog is cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn write_run_again<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    id: RunId,
) -> Answer<Option<String>> {
    let ledger = book.ledger()?;
    let Some(dir) = files::folder(&window, &format!("Folder for {id}'s file")).await else {
        return Ok(None);
    };
    ledger
        .write_run_again(&book.origin(), id, &dir)
        .await
        .map(Some)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn mark_run_paid(
    book: State<'_, Book>,
    id: RunId,
    payment: Payment,
) -> Answer<BulkOutcome> {
    book.ledger()?
        .mark_run_paid(&book.origin(), id, &payment)
        .await
}

/// Ready e-mails to the customers of a run, into a folder the user picks; `None` when the
/// dialog is cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_run_messages<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    id: RunId,
) -> Answer<Option<RunMessages>> {
    let ledger = book.ledger()?;
    let title = format!("Folder for the e-mails of {id}");
    let Some(dir) = files::folder(&window, &title).await else {
        return Ok(None);
    };
    ledger
        .save_run_messages(&book.origin(), id, &dir)
        .await
        .map(Some)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payout_message(book: State<'_, Book>, id: PayoutId) -> Answer<Message> {
    book.ledger()?.payout_message(&book.origin(), id).await
}

/// The message about a payout saved as an `.eml` draft where the user says; `None` when the
/// dialog is cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_payout_message<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    id: PayoutId,
) -> Answer<Option<String>> {
    let ledger = book.ledger()?;
    let Some(path) = files::save_path(&window, &format!("{id}.eml")).await else {
        return Ok(None);
    };
    ledger
        .save_payout_message(&book.origin(), id, &path)
        .await?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn owner_account(book: State<'_, Book>) -> Answer<Option<OwnerAccount>> {
    book.ledger()?.owner_account().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_owner_account(
    book: State<'_, Book>,
    account: OwnerAccount,
) -> Answer<OwnerAccount> {
    let origin = book.origin();
    book.ledger()?.set_owner_account(&origin, account).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn statement_mappings(book: State<'_, Book>) -> Answer<Vec<CsvMapping>> {
    book.ledger()?.statement_mappings().await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_statement_mapping(
    book: State<'_, Book>,
    mapping: CsvMapping,
) -> Answer<CsvMapping> {
    let origin = book.origin();
    book.ledger()?
        .save_statement_mapping(&origin, mapping)
        .await
}

/// The start of a bank CSV read with the given settings, for choosing its columns. With
/// `pick`, the user first chooses the file; it is then held (its path never reaches the
/// webview) for later previews and for [`import_statement`] with `held`. `None` when the dialog
/// is cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn preview_statement_csv<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    pick: bool,
    delimiter: char,
    encoding: TextEncoding,
    skip_lines: usize,
) -> Answer<Option<(String, CsvPreview)>> {
    if pick {
        let Some(path) = files::open_path(&window, "Bank statement (CSV)", files::STATEMENTS).await
        else {
            return Ok(None);
        };
        book.hold(Held::Statement, path);
    }
    let path = book.held(Held::Statement)?;
    let (name, bytes) = read_statement_file(&path)?;
    preview_csv(&bytes, delimiter, encoding, skip_lines).map(|p| Some((name, p)))
}

/// Reads a statement and imports it: the file held by [`preview_statement_csv`] (or by an
/// earlier import) when `held`, else one the user picks now, which is then held so that an
/// import asked how to read its dates can be repeated with `dates`; `None` when the dialog is
/// cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn import_statement<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    format: StatementFormat,
    held: bool,
    dates: Option<DateOrder>,
) -> Answer<Option<ImportOutcome>> {
    let ledger = book.ledger()?;
    let path = if held {
        book.held(Held::Statement)?
    } else {
        let Some(path) = files::open_path(&window, "Statement to import", files::STATEMENTS).await
        else {
            return Ok(None);
        };
        book.hold(Held::Statement, path.clone());
        path
    };
    let origin = book.origin_of(Source::Import);
    ledger
        .import_statement_file(&origin, &path, &format, dates)
        .await
        .map(Some)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn forget_statement_name(
    book: State<'_, Book>,
    customer_id: CustomerId,
    name_key: String,
) -> Answer<()> {
    book.ledger()?
        .forget_statement_name(&book.origin(), customer_id, &name_key)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn statement_imports(
    book: State<'_, Book>,
    page: PageRequest,
) -> Answer<Page<ImportSummary>> {
    book.ledger()?.statement_imports(page).await
}

/// A page of an import's review, or with no import the open lines of every import.
#[tauri::command(rename_all = "snake_case")]
pub async fn statement_review(
    book: State<'_, Book>,
    import_id: Option<i64>,
    query: ReviewQuery,
) -> Answer<Review> {
    let ledger = book.ledger()?;
    match import_id {
        Some(id) => ledger.statement_review(id, &query).await,
        None => ledger.open_lines_review(&query).await,
    }
}

/// The On Process payouts an import's statement could carry that no line accounts for.
#[tauri::command(rename_all = "snake_case")]
pub async fn payouts_without_line(book: State<'_, Book>, import_id: i64) -> Answer<Vec<Payout>> {
    book.ledger()?.payouts_without_line(import_id).await
}

/// Confirms lines of an import, or with no import lines of any.
#[tauri::command(rename_all = "snake_case")]
pub async fn confirm_statement_lines(
    book: State<'_, Book>,
    import_id: Option<i64>,
    confirmations: Vec<Confirmation>,
) -> Answer<ConfirmOutcome> {
    let origin = book.origin_of(Source::Import);
    let ledger = book.ledger()?;
    match import_id {
        Some(id) => {
            ledger
                .confirm_statement_lines(&origin, id, &confirmations)
                .await
        }
        None => ledger.confirm_open_lines(&origin, &confirmations).await,
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn dismiss_statement_line(
    book: State<'_, Book>,
    line_id: i64,
    note: String,
) -> Answer<()> {
    book.ledger()?
        .dismiss_statement_line(&book.origin(), line_id, &note)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn restore_statement_line(book: State<'_, Book>, line_id: i64) -> Answer<()> {
    book.ledger()?
        .restore_statement_line(&book.origin(), line_id)
        .await
}

/// The saved mappings of files of `kind` to import.
#[tauri::command(rename_all = "snake_case")]
pub async fn record_mappings(
    book: State<'_, Book>,
    kind: RecordKind,
) -> Answer<Vec<RecordMapping>> {
    book.ledger()?.record_mappings(kind).await
}

/// The header and first lines of a file of customers or requests, read with the given
/// settings; with `pick` the user first chooses the file, which is then held (as a statement
/// is, see [`preview_statement_csv`]). `None` when the dialog is cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn preview_records_csv<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    pick: bool,
    delimiter: char,
    encoding: TextEncoding,
    skip_lines: usize,
) -> Answer<Option<(String, CsvPreview)>> {
    if pick {
        let Some(path) =
            files::open_path(&window, "Customers or requests (CSV)", files::TABLES).await
        else {
            return Ok(None);
        };
        book.hold(Held::Records, path);
    }
    let (name, bytes) = read_records_file(&book.held(Held::Records)?)?;
    preview_csv(&bytes, delimiter, encoding, skip_lines).map(|p| Some((name, p)))
}

/// What importing the held file through `mapping` would do; writes nothing.
#[tauri::command(rename_all = "snake_case")]
pub async fn check_records(book: State<'_, Book>, mapping: RecordMapping) -> Answer<RecordCheck> {
    let (_, bytes) = read_records_file(&book.held(Held::Records)?)?;
    book.ledger()?.check_records(&bytes, mapping).await
}

/// Imports the lines of the held file that have no problem, in one batch, and saves `mapping`
/// with them; refused when the file is not the one checked (`checked`: the check's
/// `file_sha256`). Long work (see [`work_progress`], [`cancel_work`]).
#[tauri::command(rename_all = "snake_case")]
pub async fn import_records(
    book: State<'_, Book>,
    mapping: RecordMapping,
    checked: String,
) -> Answer<RecordImport> {
    let (name, bytes) = read_records_file(&book.held(Held::Records)?)?;
    let origin = book.origin_of(Source::Import);
    let _job = book.work.start("An import");
    let progress = |rows| book.work.report(rows);
    book.ledger()?
        .import_records(&origin, &name, &bytes, mapping, &checked, &progress)
        .await
}

/// Confirms every line of the import that matches one payout exactly; long work (see
/// [`work_progress`], [`cancel_work`]).
#[tauri::command(rename_all = "snake_case")]
pub async fn confirm_matched_lines(
    book: State<'_, Book>,
    import_id: i64,
) -> Answer<ConfirmOutcome> {
    let origin = book.origin_of(Source::Import);
    let _job = book.work.start("Confirming the statement's lines");
    let progress = |rows| book.work.report(rows);
    book.ledger()?
        .confirm_matched_lines(&origin, import_id, &progress)
        .await
}

/// Sets the name the audit trail records for changes made from now on.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_operator_name(book: State<'_, Book>, name: String) -> Answer<String> {
    let origin = book.origin();
    let name = book.ledger()?.set_operator_name(&origin, &name).await?;
    book.set_operator(name.clone());
    Ok(name)
}

#[tauri::command(rename_all = "snake_case")]
pub fn backups(book: State<'_, Book>) -> Answer<Vec<Backup>> {
    book.ledger()?.backups()
}

#[tauri::command(rename_all = "snake_case")]
pub async fn back_up(book: State<'_, Book>) -> Answer<Backup> {
    let origin = book.origin();
    book.ledger()?.back_up(&origin).await
}

/// Checks the backup, schedules it to replace the book, and restarts the app, which carries
/// the restore out before it opens the book.
#[tauri::command(rename_all = "snake_case")]
pub async fn restore_backup<R: Runtime>(
    app: tauri::AppHandle<R>,
    book: State<'_, Book>,
    file_name: String,
) -> Answer<()> {
    let origin = book.origin();
    let ledger = book.ledger()?;
    ledger.schedule_restore(&origin, &file_name).await?;
    ledger.clone().close().await;
    app.restart()
}

/// Asks for a book or backup file anywhere (a USB stick), checks it as the book itself is
/// checked, schedules it, and restarts the app; `false` when the user cancelled. `confirmed`
/// says the user agreed to replace the book (the dialog is never opened otherwise).
#[tauri::command(rename_all = "snake_case")]
pub async fn restore_from_file<R: Runtime>(
    app: tauri::AppHandle<R>,
    window: Window<R>,
    book: State<'_, Book>,
    confirmed: bool,
) -> Answer<bool> {
    not_unconfirmed(confirmed)?;
    let Some(path) = files::open_path(&window, "Book or backup to restore", files::BOOKS).await
    else {
        return Ok(false);
    };
    let origin = book.origin();
    let ledger = book.ledger()?;
    ledger.schedule_restore_from_file(&origin, &path).await?;
    ledger.clone().close().await;
    app.restart()
}

fn not_unconfirmed(confirmed: bool) -> Answer<()> {
    if confirmed {
        Ok(())
    } else {
        Err(Error::Precondition(
            "This replaces the book: confirm it first.".into(),
        ))
    }
}

/// What the window shows first: the book's path, whether it is open read-only, and, when it
/// could not be opened, why and the backups it could be restored from.
#[derive(Serialize)]
pub struct StartUp {
    /// While the book opens: what is being done.
    opening: Option<String>,
    path: Option<String>,
    read_only: bool,
    problem: Option<Problem>,
    backups: Vec<Backup>,
    /// The page was reloaded after its web process crashed (said once).
    page_reloaded: bool,
}

#[derive(Serialize)]
pub struct Problem {
    kind: &'static str,
    message: String,
}

#[tauri::command(rename_all = "snake_case")]
pub fn start_up(book: State<'_, Book>) -> StartUp {
    let problem = book
        .problem()
        .map(|(kind, message)| Problem { kind, message });
    let path = book.path();
    let backups = match (&problem, &path) {
        (Some(_), Some(path)) => ledger::backups::list_backups(path).unwrap_or_default(),
        _ => Vec::new(),
    };
    let page_reloaded = book.take_page_reloaded();
    if page_reloaded {
        tracing::info!("the page was reloaded after its web process ended, and said so");
    }
    StartUp {
        opening: book.opening_now(),
        path: path.as_ref().map(|p| p.display().to_string()),
        read_only: book.ledger().is_ok_and(|l| !l.writable()),
        problem,
        backups,
        page_reloaded,
    }
}

/// The start-up screen's restore, for a book that could not be opened: `file_name` from the
/// book's backups, or (none) a file chosen in a dialog; checked, scheduled and carried out as
/// the book is opened again (the window then reloads). `false` when the user cancelled the
/// dialog.
#[tauri::command(rename_all = "snake_case")]
pub async fn restore_at_start<R: Runtime>(
    app: tauri::AppHandle<R>,
    window: Window<R>,
    book: State<'_, Book>,
    file_name: Option<String>,
    confirmed: bool,
) -> Answer<bool> {
    not_unconfirmed(confirmed)?;
    let path = book
        .path()
        .ok_or_else(|| Error::NotFound("There is no place for the book on this system.".into()))?;
    if book.ledger().is_ok() {
        return Err(Error::Conflict(
            "The book is open: restore from Settings.".into(),
        ));
    }
    let source = match file_name {
        Some(name) => ledger::backups::backup_path(&path, &name)?,
        None => match files::open_path(&window, "Book or backup to restore", files::BOOKS).await {
            Some(source) => source,
            None => return Ok(false),
        },
    };
    let trust = crate::book::trust_store(&app).ok();
    ledger::backups::schedule_restore_unopened(&path, &source, trust, chrono::Utc::now()).await?;
    book.reopen(&app).await;
    Ok(true)
}

/// Starts a new, empty book where the book is missing, when the user asks, and opens it (the
/// window then reloads).
#[tauri::command(rename_all = "snake_case")]
pub async fn start_new_book<R: Runtime>(
    app: tauri::AppHandle<R>,
    book: State<'_, Book>,
    confirmed: bool,
) -> Answer<()> {
    not_unconfirmed(confirmed)?;
    let path = book
        .path()
        .ok_or_else(|| Error::NotFound("There is no place for the book on this system.".into()))?;
    crate::book::start_new_book(&app, &path).await?;
    book.reopen(&app).await;
    Ok(())
}

/// The start-up screen's "Open a book file…": a book kept somewhere else, chosen in a dialog
/// and opened in this window, then at every start (unless `INCENTISE_DB` names a book); a file
/// that is not a book is refused (the answer says why) and left as it is, and a backup is
/// pointed to Restore. `false` when the user cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn open_book_file<R: Runtime>(
    app: tauri::AppHandle<R>,
    window: Window<R>,
    book: State<'_, Book>,
) -> Answer<bool> {
    if book.ledger().is_ok() {
        return Err(Error::Conflict(
            "A book is open: close the app and start it on the other book.".into(),
        ));
    }
    let Some(path) = files::open_path(&window, "Book to open", files::BOOK).await else {
        return Ok(false);
    };
    // A link to a backup is a backup too.
    let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    if ledger::backups::is_backup_file(&real) {
        return Err(Error::Precondition(
            "This file is one of the book's backups. To go back to it, choose it under Restore a \
             backup: the book as it is now is kept among the backups first."
                .into(),
        ));
    }
    book.open_chosen(&app, path).await?;
    Ok(true)
}

/// Tries again to open a book that was held by another window or program (closed there since):
/// the window then reloads onto the book, or onto why it still cannot be opened.
#[tauri::command(rename_all = "snake_case")]
pub async fn open_again<R: Runtime>(app: tauri::AppHandle<R>, book: State<'_, Book>) -> Answer<()> {
    if book.ledger().is_err() {
        book.reopen(&app).await;
    }
    Ok(())
}

/// The folder every backup is also copied to, if one is set.
#[tauri::command(rename_all = "snake_case")]
pub async fn second_backup_folder(book: State<'_, Book>) -> Answer<Option<String>> {
    book.ledger()?.second_backup_folder().await
}

/// Asks for the second backup folder (`choose`), or stops the copies; answers the folder now
/// set. A cancelled dialog changes nothing.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_second_backup_folder<R: Runtime>(
    window: Window<R>,
    book: State<'_, Book>,
    choose: bool,
) -> Answer<Option<String>> {
    let ledger = book.ledger()?;
    if !choose {
        return ledger.set_second_backup_folder(&book.origin(), None).await;
    }
    match files::folder(&window, "Folder for a second copy of every backup").await {
        Some(folder) => {
            ledger
                .set_second_backup_folder(&book.origin(), Some(&folder))
                .await
        }
        None => ledger.second_backup_folder().await,
    }
}

/// The Needs attention dashboard as of now.
#[tauri::command(rename_all = "snake_case")]
pub async fn needs_attention(
    book: State<'_, Book>,
    older_than_days: i64,
) -> Answer<NeedsAttention> {
    book.ledger()?
        .needs_attention(chrono::Utc::now(), older_than_days)
        .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn audit_log(book: State<'_, Book>, query: AuditQuery) -> Answer<AuditPage> {
    book.ledger()?.audit_log(&query).await
}

/// Checks the whole book: the file, the audit chain (keyed part and anchor included) and
/// every record against its history; long work (see [`work_progress`], [`cancel_work`]).
#[tauri::command(rename_all = "snake_case")]
pub async fn verify_book(book: State<'_, Book>) -> Answer<BookReport> {
    let _job = book.work.start("The check of the book");
    let progress = |events| book.work.report(events);
    book.ledger()?.verify_book_with(&progress).await
}

/// The audit chain's newest event and its short fingerprint, for Settings.
#[tauri::command(rename_all = "snake_case")]
pub async fn chain_head(book: State<'_, Book>) -> Answer<ChainHead> {
    book.ledger()?.chain_head().await
}

/// Rows done by the long work under way, for its progress line.
#[tauri::command(rename_all = "snake_case")]
pub fn work_progress(book: State<'_, Book>) -> u64 {
    book.work.rows()
}

/// Asks the long work under way to stop; it removes what it wrote and records nothing.
#[tauri::command(rename_all = "snake_case")]
pub fn cancel_work(book: State<'_, Book>) {
    book.work.cancel();
}
