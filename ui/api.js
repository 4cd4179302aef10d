// The only module that talks to the Rust side. Every function returns the ledger's answer, or
// throws its error as { kind, message, field?, code? }. The message is for people and may be
// reworded; the UI branches only on `kind` and on `code`, a stable name for the few cases it
// handles specially (e.g. 'no_payment_account', 'not_utf8').

const invoke = window.__TAURI__?.core?.invoke;

// The commands that change what Needs attention counts: after one succeeds, the document hears
// 'book-changed' (the sidebar's count listens).
const CHANGES = new Set([
  'add_customer', 'add_payment_account', 'edit_customer', 'edit_payment_account', 'set_default_account',
  'archive_payment_account', 'load_sample_data', 'payment_files', 'mark_run_paid',
  'confirm_matched_lines', 'confirm_statement_lines', 'add_request', 'decide_request', 'void_request',
  'create_payout', 'change_payout_status', 'retry_payout', 'bulk_change_status', 'pay_all_approved',
  'edit_payout', 'import_records',
]);

async function call(command, args = {}) {
  if (!invoke) throw { kind: 'storage', message: 'The app shell is not available.' };
  try {
    const answer = await invoke(command, args);
    if (CHANGES.has(command)) document.dispatchEvent(new Event('book-changed'));
    return answer;
  } catch (error) {
    if (error && typeof error === 'object' && 'kind' in error) throw error;
    throw { kind: 'storage', message: String(error) };
  }
}

export const api = {
  bookInfo: () => call('book_info'),
  currencies: () => call('list_currencies'),
  payoutCurrencies: () => call('list_payout_currencies'),

  // Creates carry one key per attempt (a dialog opened), so a retry never makes a duplicate.
  addCustomer: (input, key) => call('add_customer', { input, idempotency_key: key }),
  listCustomers: (search, page) => call('list_customers', { search, page }),
  customerAccounts: (customerId) => call('customer_accounts', { customer_id: customerId }),
  addPaymentAccount: (customerId, input, key) => call('add_payment_account', { customer_id: customerId, input, idempotency_key: key }),
  editCustomer: (id, input) => call('edit_customer', { id, input }),
  customerOverview: (id) => call('customer_overview', { id }),
  editPaymentAccount: (id, input) => call('edit_payment_account', { id, input }),
  setDefaultAccount: (id) => call('set_default_account', { id }),
  archivePaymentAccount: (id) => call('archive_payment_account', { id }),
  revealPaymentAccount: (id) => call('reveal_payment_account', { id }),

  listPrograms: (includeArchived) => call('list_programs', { include_archived: includeArchived }),
  addProgram: (input, key) => call('add_program', { input, idempotency_key: key }),
  editProgram: (id, input) => call('edit_program', { id, input }),
  archiveProgram: (id) => call('archive_program', { id }),

  loadSampleData: () => call('load_sample_data'),

  setOperatorName: (name) => call('set_operator_name', { name }),
  backups: () => call('backups'),
  backUp: () => call('back_up'),
  // The app restarts to carry the restore out.
  restoreBackup: (fileName) => call('restore_backup', { file_name: fileName }),
  restoreFromFile: () => call('restore_from_file', { confirmed: true }),
  startUp: () => call('start_up'),
  restoreAtStart: (fileName) => call('restore_at_start', { file_name: fileName, confirmed: true }),
  startNewBook: () => call('start_new_book', { confirmed: true }),
  openAgain: () => call('open_again'),
  openBookFile: () => call('open_book_file'),
  secondBackupFolder: () => call('second_backup_folder'),
  setSecondBackupFolder: (choose) => call('set_second_backup_folder', { choose }),
  needsAttention: (olderThanDays) => call('needs_attention', { older_than_days: olderThanDays }),
  auditLog: (query) => call('audit_log', { query }),
  // Long work: progress through workProgress, stopped by cancelWork.
  verifyBook: () => call('verify_book'),
  helpInfo: () => call('help_info'),
  chainHead: () => call('chain_head'),

  // Each opens a native dialog first; null when the user cancels it.
  exportPayouts: (query, options) => call('export_payouts', { query, options }),
  exportAuditLog: (options) => call('export_audit_log', { options }),
  paymentFiles: (kind, ids, markOnProcess) => call('payment_files', { kind, ids, mark_on_process: markOnProcess }),
  listRuns: (page) => call('list_runs', { page }),
  paymentRun: (id) => call('payment_run', { id }),
  writeRunAgain: (id) => call('write_run_again', { id }),
  markRunPaid: (id, payment) => call('mark_run_paid', { id, payment }),
  saveRunMessages: (id) => call('save_run_messages', { id }),
  payoutMessage: (id) => call('payout_message', { id }),
  savePayoutMessage: (id) => call('save_payout_message', { id }),
  workProgress: () => call('work_progress'),
  cancelWork: () => call('cancel_work'),
  // format: { format: 'paypal_csv' | 'camt053' } or { format: 'generic_csv', mapping }.
  importStatement: (format, held = false, dates = null) => call('import_statement', { format, held, dates }),
  previewStatementCsv: (pick, settings) => call('preview_statement_csv', { pick, ...settings }),
  statementMappings: () => call('statement_mappings'),
  saveStatementMapping: (mapping) => call('save_statement_mapping', { mapping }),
  recordMappings: (kind) => call('record_mappings', { kind }),
  previewRecordsCsv: (pick, settings) => call('preview_records_csv', { pick, ...settings }),
  checkRecords: (mapping) => call('check_records', { mapping }),
  importRecords: (mapping, checked) => call('import_records', { mapping, checked }),
  ownerAccount: () => call('owner_account'),
  setOwnerAccount: (account) => call('set_owner_account', { account }),
  forgetStatementName: (customerId, nameKey) => call('forget_statement_name', { customer_id: customerId, name_key: nameKey }),
  statementImports: (page) => call('statement_imports', { page }),
  statementReview: (importId, query) => call('statement_review', { import_id: importId, query }),
  payoutsWithoutLine: (importId) => call('payouts_without_line', { import_id: importId }),
  confirmMatchedLines: (importId) => call('confirm_matched_lines', { import_id: importId }),
  confirmStatementLines: (importId, confirmations) => call('confirm_statement_lines', { import_id: importId, confirmations }),
  dismissStatementLine: (lineId, note) => call('dismiss_statement_line', { line_id: lineId, note }),
  restoreStatementLine: (lineId) => call('restore_statement_line', { line_id: lineId }),

  addRequest: (input, key) => call('add_request', { input, idempotency_key: key }),
  decideRequest: (id, decision, note) => call('decide_request', { id, decision, note }),
  correctRequestAmount: (id, amount, note) => call('correct_request_amount', { id, amount, note }),
  editRequest: (id, edit) => call('edit_request', { id, edit }),
  voidRequest: (id, reason) => call('void_request', { id, reason }),
  listRequests: (search, filter, page) => call('list_requests', { search, filter, page }),

  listPayouts: (query) => call('list_payouts', { query }),
  payoutPreview: (requestId) => call('payout_preview', { request_id: requestId }),
  createPayout: (input) => call('create_payout', { input }),
  payoutHistory: (id) => call('payout_history', { id }),
  payoutDetail: (id) => call('payout_detail', { id }),
  changePayoutStatus: (id, change) => call('change_payout_status', { id, change }),
  retryPayout: (id, retry) => call('retry_payout', { id, retry }),
  bulkChangeStatus: (ids, change) => call('bulk_change_status', { ids, change }),
  payAllApproved: (description) => call('pay_all_approved', { description }),
  editPayout: (id, edit) => call('edit_payout', { id, edit }),
  revealPayoutAccount: (id) => call('reveal_payout_account', { id }),
};
