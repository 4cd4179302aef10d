// Reconciliation: exports for a spreadsheet and payment files for providers. Files are chosen
// in a native dialog opened by the app and written by it; nothing here touches a file.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { currentQuery, describeFilters } from './payouts.js';
import { money } from './format.js';

export async function render(main) {
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Reconciliation')),
    h('section', { class: 'card', id: 'statement-section' },
      h('h2', {}, 'Match a statement'),
      h('p', {}, 'Import PayPal’s activity CSV (Activity › Statements › Download) or your bank’s camt.053 statement. Each line is matched to a payout by the payout id carried back (PayPal’s customer id, SEPA’s EndToEndId) or the stored reference, otherwise suggested by amount, currency and recipient; you confirm, and the payouts move to Success (or Failed for a return) with the provider’s reference.'),
      h('div', { class: 'toolbar' },
        h('select', { id: 'statement-format', 'aria-label': 'Statement format' },
          h('option', { value: 'paypal_csv' }, 'PayPal activity (CSV)'),
          h('option', { value: 'camt053' }, 'Bank statement (camt.053 XML)')),
        h('button', { class: 'primary', id: 'import-statement', onclick: (e) => importStatement(e.target.closest('section')) }, 'Import statement…')),
      h('div', { class: 'result', role: 'status' }),
      h('div', { id: 'statement-review' })),
    h('section', { class: 'card' },
      h('h2', {}, 'Export payouts'),
      h('p', {}, 'Every payout the Payouts screen’s search and filters select (all pages), oldest first, with customer, amount, masked account, status and reference. ',
        h('span', { class: 'muted', id: 'export-filters' }, describeFilters())),
      csvOptions(),
      h('button', { class: 'primary', id: 'export-payouts', onclick: (e) => exportPayouts(e.target.closest('section')) }, 'Export payouts as CSV…'),
      h('div', { class: 'result', id: 'export-result', role: 'status' })),
    h('section', { class: 'card' },
      h('h2', {}, 'Export the audit log'),
      h('p', {}, 'Every change to the book, oldest first, with who, when, what and the hash of each event.'),
      csvOptions(),
      h('button', { id: 'export-audit', onclick: (e) => exportAudit(e.target.closest('section')) }, 'Export audit log as CSV…'),
      h('div', { class: 'result', id: 'audit-export-result', role: 'status' })),
    h('section', { class: 'card' },
      h('h2', {}, 'Pay through PayPal'),
      h('p', {}, 'On the Payouts screen, tick the Pending payouts to pay and choose ', h('strong', {}, 'PayPal file…'),
        ': the app writes PayPal Payouts files (one per currency, at most 5,000 rows each) to upload in your PayPal business account, and can move those payouts to On Process.')),
    h('section', { class: 'card muted' },
      h('h2', {}, 'Still to come'),
      h('p', {}, 'Wise batch files, SEPA credit transfer XML, and bank CSV statements with a saved column mapping.')));
  if (lastImport) await showReview(document.getElementById('statement-section'), lastImport);
}

function csvOptions() {
  return h('div', { class: 'options' },
    h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'bom' }), 'Start with a byte order mark (Excel on Windows)'),
    h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'semicolon' }), 'Separate with ; (decimal-comma spreadsheets)'));
}

const optionsOf = (section) => ({
  bom: section.querySelector('[name=bom]').checked,
  semicolon: section.querySelector('[name=semicolon]').checked,
});

/** The import shown on this screen, kept while the app runs. */
let lastImport = null;

function importStatement(section) {
  return run(section, async () => {
    const outcome = await api.importStatement(section.querySelector('#statement-format').value);
    if (!outcome) return null;
    if (outcome.import_id) {
      lastImport = outcome.import_id;
      await showReview(section, lastImport);
    }
    return outcome.message;
  }, { cancellable: false });
}

const STATE_LABELS = { matched: 'Matched', suggested: 'Suggested', unmatched: 'No payout', confirmed: 'Confirmed' };
const STATE_BADGES = { matched: 'success', suggested: 'pending', unmatched: 'failed', confirmed: 'approved' };

/** The review of an import: lines with their match, a tick to confirm each, and the payouts
 *  that no line covers. */
async function showReview(section, importId) {
  const box = section.querySelector('#statement-review');
  let review;
  try {
    review = await api.statementReview(importId);
  } catch (error) {
    replace(box, h('div', { class: 'banner', role: 'alert' }, error.message));
    return;
  }
  const rows = review.lines.map((line) => {
    const open = line.state === 'matched' || line.state === 'suggested';
    const tick = h('input', { type: 'checkbox', class: 'confirm', 'aria-label': `Confirm line ${line.line_no}`, checked: line.state === 'matched', disabled: !open });
    const choice = line.candidates.length > 1 && open
      ? h('select', { class: 'candidate', 'aria-label': `Payout for line ${line.line_no}` }, line.candidates.map((p) => h('option', { value: p.id }, `${p.number} · ${p.username}`)))
      : null;
    const row = h('tr', { 'data-line': line.line_no },
      h('td', { class: 'check' }, tick),
      h('td', {}, line.booked_on),
      h('td', { class: 'num' }, money(line.amount)),
      h('td', {}, line.counterparty || '—'),
      h('td', { class: 'id' }, line.provider_reference),
      h('td', {}, h('span', { class: `badge ${STATE_BADGES[line.state]}` }, STATE_LABELS[line.state]),
        line.kind === 'return' ? h('span', { class: 'badge' }, 'Return') : null),
      h('td', { class: 'id' }, choice ?? (line.candidates[0]?.number ?? '—')),
      h('td', { class: 'wrap muted small' }, line.evidence));
    return { row, tick, choice, line };
  });
  const confirm = h('button', { class: 'primary', id: 'confirm-lines', disabled: rows.every((r) => r.tick.disabled), onclick: async () => {
    const confirmations = rows.filter((r) => r.tick.checked && !r.tick.disabled).map((r) => ({
      line_id: r.line.id,
      payout_id: Number(r.choice?.value ?? r.line.candidates[0].id),
    }));
    try {
      const outcome = await api.confirmStatementLines(importId, confirmations);
      toast(`${outcome.confirmed.length} payout${outcome.confirmed.length === 1 ? '' : 's'} updated${outcome.skipped.length ? `; ${outcome.skipped.length} left as they were` : ''}.`);
      await showReview(section, importId);
    } catch (error) {
      toast(error.message);
    }
  } }, 'Confirm ticked lines');
  replace(box,
    h('h3', {}, `${review.file_name}: ${review.lines.length} line${review.lines.length === 1 ? '' : 's'}`),
    h('div', { class: 'table-wrap' }, h('table', { id: 'review-table' },
      h('thead', {}, h('tr', {}, ['', 'Booked', 'Amount', 'Recipient', 'Reference', 'Match', 'Payout', 'Why'].map((t) => h('th', { class: t === 'Amount' ? 'num' : null }, t)))),
      h('tbody', {}, rows.map((r) => r.row)))),
    h('div', { class: 'actions left' }, confirm),
    review.payouts_without_line.length ? [
      h('h3', {}, 'On Process payouts with no line in this statement'),
      h('ul', { id: 'payouts-without-line' }, review.payouts_without_line.map((p) => h('li', {}, `${p.number} · ${p.username} · ${money(p.amount)}`))),
    ] : null);
}

/**
 * Runs the work of `section`'s button and shows its outcome under it; while it runs, a line
 * shows the rows done so far with a Cancel button (the app removes what it wrote).
 */
async function run(section, work, { cancellable = true } = {}) {
  const button = section.querySelector('button.primary, button');
  const result = section.querySelector('.result');
  button.disabled = true;
  const count = h('span', {}, 'Working…');
  replace(result, h('p', { class: 'working' }, count, ' ', cancellable
    ? h('button', { type: 'button', class: 'link', 'data-action': 'cancel', onclick: () => api.cancelWork() }, 'Cancel')
    : null));
  const timer = setInterval(async () => {
    const rows = await api.workProgress().catch(() => 0);
    if (rows) count.textContent = `Working… ${rows.toLocaleString()} rows so far`;
  }, 300);
  try {
    const written = await work();
    replace(result, written ? h('p', { class: 'ok' }, written) : null);
  } catch (error) {
    replace(result, h('div', { class: error.kind === 'cancelled' ? 'muted' : 'banner', role: 'alert' }, error.message));
  } finally {
    clearInterval(timer);
    button.disabled = false;
  }
}

function exportPayouts(section) {
  return run(section, async () => {
    const written = await api.exportPayouts(currentQuery(), optionsOf(section));
    return written && `${written.rows.toLocaleString()} payout${written.rows === 1 ? '' : 's'} written to ${written.files[0]}.`;
  });
}

function exportAudit(section) {
  return run(section, async () => {
    const written = await api.exportAuditLog(optionsOf(section));
    return written && `${written.rows.toLocaleString()} audit events written to ${written.files[0]}.`;
  });
}

/** The PayPal file flow for the payouts selected on the Payouts screen. */
export function paypalFiles(ids, done) {
  const move = h('input', { type: 'checkbox', name: 'mark_on_process', checked: true });
  const body = h('div', { class: 'body' },
    h('h2', {}, `PayPal payment files for ${ids.length} payout${ids.length === 1 ? '' : 's'}`),
    h('p', {}, 'Pending payouts to PayPal or Venmo accounts go into the files; the others are listed and left out. Choose a folder next.'),
    h('label', { class: 'inline' }, move, 'Move the exported payouts to On Process'),
    h('div', { class: 'outcome', id: 'paypal-outcome' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'),
      h('button', { type: 'button', class: 'primary', id: 'write-paypal', onclick: async (e) => {
        e.target.disabled = true;
        try {
          const files = await api.paypalPayoutFiles(ids, move.checked);
          if (files) {
            showFiles(body.querySelector('.outcome'), files);
            done();
          } else {
            e.target.disabled = false;
          }
        } catch (error) {
          replace(body.querySelector('.outcome'), h('div', { class: 'banner', role: 'alert' }, error.message));
          e.target.disabled = false;
        }
      } }, 'Write files…')));
  const dialog = h('dialog', { 'data-dialog': 'paypal-files' }, body);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function showFiles(outcome, files) {
  replace(outcome,
    files.files.length
      ? [h('p', {}, `${files.payouts.length} payouts written to:`), h('ul', { id: 'paypal-files' }, files.files.map((f) => h('li', { class: 'id' }, f)))]
      : h('p', {}, 'No file was written: none of the selected payouts can be paid through PayPal.'),
    files.skipped.length
      ? [h('p', {}, 'Left out:'), h('ul', { id: 'paypal-skipped' }, files.skipped.map((s) => h('li', {}, h('strong', {}, s.number), ` — ${s.reason}`)))]
      : null);
  toast(files.files.length ? `${files.files.length} PayPal file${files.files.length === 1 ? '' : 's'} written.` : 'No PayPal file written.');
}
