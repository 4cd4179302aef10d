// Reconciliation: exports for a spreadsheet and payment files for providers. Files are chosen
// in a native dialog opened by the app and written by it; nothing here touches a file.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { field } from './dialog.js';
import { currentQuery, describeFilters } from './payouts.js';
import { money } from './format.js';
import { mappingPanel } from './statement-mapping.js';
import { pager } from './pager.js';
import { withProgress } from './progress.js';

export async function render(main) {
  const section = h('section', { class: 'card', id: 'statement-section' });
  const format = h('select', { id: 'statement-format', 'aria-label': 'Statement format' },
    h('option', { value: 'paypal_csv' }, 'PayPal activity (CSV)'),
    h('option', { value: 'camt053' }, 'Bank statement (camt.053 XML)'),
    h('option', { value: 'generic_csv' }, 'Bank statement (CSV, your column mapping)'));
  const importWith = (statementOf, held) => importStatement(section, statementOf, held);
  const mapping = mappingPanel(importWith);
  format.addEventListener('change', () => { mapping.panel.hidden = format.value !== 'generic_csv'; });
  replace(section,
    h('h2', {}, 'Match a statement'),
    h('p', {}, 'Import PayPal’s activity CSV (Activity › Statements › Download), your bank’s camt.053 statement, or any bank’s CSV export through a column mapping you set up once. Each line is matched to a payout by the payout id carried back (PayPal’s customer id, SEPA’s EndToEndId, Wise’s reference) or the stored reference, otherwise suggested by amount, currency and recipient; you confirm, and the payouts move to Success (or Failed for a return) with the provider’s reference.'),
    h('div', { class: 'toolbar' },
      format,
      h('button', { class: 'primary', id: 'import-statement', onclick: () => importWith(() => (format.value === 'generic_csv'
        ? mapping.savedFormat()
        : { format: format.value }), false) }, 'Import statement…')),
    mapping.panel,
    h('div', { class: 'result', role: 'status' }),
    h('div', { id: 'statement-review' }));
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Reconciliation')),
    section,
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
      h('h2', {}, 'Pay through PayPal, Wise or your bank'),
      h('p', {}, 'On the Payouts screen, tick the Pending payouts to pay and choose ', h('strong', {}, 'Payment file…'),
        ': the app writes PayPal Payouts files, Wise batch files or a SEPA credit transfer file to upload to the provider or your online banking, and can move those payouts to On Process. Each line carries the payout id, so the statement matches it back.')));
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

/** The import shown on this screen and which of its lines, kept while the app runs. */
let lastImport = null;
const reviewState = { state: null, page: 1, page_size: 50 };

/** Imports a statement in the format `statementOf()` gives: the file held while mapping its
 *  columns, or one chosen now. */
function importStatement(section, statementOf, held) {
  return run(section, async () => {
    const outcome = await api.importStatement(statementOf(), held);
    if (!outcome) return null;
    if (outcome.import_id) {
      lastImport = outcome.import_id;
      Object.assign(reviewState, { state: null, page: 1 });
      await showReview(section, lastImport);
    }
    return outcome.message;
  }, { cancellable: false });
}

const STATE_LABELS = { matched: 'Matched', suggested: 'Suggested', unmatched: 'No payout', confirmed: 'Confirmed' };
const STATE_BADGES = { matched: 'success', suggested: 'pending', unmatched: 'failed', confirmed: 'approved' };

/** The review of an import: counts by state (each a filter), a page of lines with their
 *  match and a tick to confirm each, and the On Process payouts that no line covers. */
async function showReview(section, importId) {
  const box = section.querySelector('#statement-review');
  let review;
  try {
    review = await api.statementReview(importId, reviewState);
  } catch (error) {
    replace(box, h('div', { class: 'banner', role: 'alert' }, error.message));
    return;
  }
  const again = () => showReview(section, importId);
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
  const confirmed = (outcome) => {
    toast(`${outcome.confirmed.length.toLocaleString()} payout${outcome.confirmed.length === 1 ? '' : 's'} updated${outcome.skipped.length ? `; ${outcome.skipped.length} left as they were` : ''}.`);
    return again();
  };
  const confirm = h('button', { class: 'primary', id: 'confirm-lines', disabled: rows.every((r) => r.tick.disabled), onclick: async () => {
    const confirmations = rows.filter((r) => r.tick.checked && !r.tick.disabled).map((r) => ({
      line_id: r.line.id,
      payout_id: Number(r.choice?.value ?? r.line.candidates[0].id),
    }));
    try {
      await confirmed(await api.confirmStatementLines(importId, confirmations));
    } catch (error) {
      toast(error.message);
    }
  } }, 'Confirm ticked lines');
  const all = review.counts.matched > review.lines.filter((l) => l.state === 'matched').length
    ? h('button', { id: 'confirm-all-matched', onclick: () => run(section, async () => {
      // Long work: the screen's progress line counts the lines and offers Cancel.
      const outcome = await api.confirmMatchedLines(importId);
      await confirmed(outcome);
      return `${outcome.confirmed.length.toLocaleString()} payouts updated.`;
    }) }, `Confirm all ${review.counts.matched.toLocaleString()} matched lines`)
    : null;
  const filter = (state, label, n) => h('button', {
    type: 'button', 'aria-pressed': String(reviewState.state === state), 'data-state': state ?? 'all',
    onclick: () => { Object.assign(reviewState, { state, page: 1 }); again(); },
  }, `${label} ${n.toLocaleString()}`);
  const c = review.counts;
  replace(box,
    h('h3', {}, review.file_name),
    h('div', { class: 'toolbar' }, h('div', { class: 'segmented', role: 'group', 'aria-label': 'Lines', id: 'review-filter' },
      filter(null, 'All', c.matched + c.suggested + c.unmatched + c.confirmed),
      filter('matched', 'Matched', c.matched),
      filter('suggested', 'Suggested', c.suggested),
      filter('unmatched', 'No payout', c.unmatched),
      filter('confirmed', 'Confirmed', c.confirmed))),
    h('div', { class: 'table-wrap' }, h('table', { id: 'review-table' },
      h('thead', {}, h('tr', {}, ['', 'Booked', 'Amount', 'Recipient', 'Reference', 'Match', 'Payout', 'Why'].map((t) => h('th', { class: t === 'Amount' ? 'num' : null }, t)))),
      h('tbody', {}, rows.length ? rows.map((r) => r.row) : h('tr', {}, h('td', { colspan: 8, class: 'empty' }, 'No line here.'))))),
    pager({ ...review, items: review.lines }, reviewState, again),
    h('div', { class: 'actions left' }, confirm, all),
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
  const result = section.querySelector('.result');
  try {
    const written = await withProgress(section.querySelector('button.primary, button'), result, work, { cancellable });
    replace(result, written ? h('p', { class: 'ok' }, written) : null);
  } catch (error) {
    replace(result, h('div', { class: error.kind === 'cancelled' ? 'muted' : 'banner', role: 'alert' }, error.message));
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

const KINDS = {
  paypal: ['PayPal Payouts', 'Pending payouts to PayPal or Venmo accounts go into PayPal Payouts files (one per currency, at most 5,000 rows each) to upload in your PayPal business account.'],
  wise: ['Wise batch', 'Pending payouts to bank accounts go into Wise batch files (“send to bank accounts”, one per currency, at most 1,000 rows each): IBAN accounts, and US accounts by routing and account number for USD.'],
  sepa: ['SEPA credit transfer', 'Pending euro payouts to IBAN accounts go into a SEPA credit transfer file (pain.001.001.03) for your bank’s online banking, paid from your account below.'],
};

/** The payment file flow for the payouts selected on the Payouts screen. */
export function paymentFiles(ids, done) {
  const kind = h('select', { id: 'payment-kind', name: 'kind', 'aria-label': 'Payment file' },
    Object.entries(KINDS).map(([value, [label]]) => h('option', { value }, label)));
  const about = h('p', {});
  const owner = h('fieldset', { class: 'fields', id: 'owner-account', hidden: true },
    h('legend', {}, 'Paid from your account'),
    field('Account holder', 'owner_name', { autocomplete: 'organization', wide: true }),
    field('IBAN', 'owner_iban', { spellcheck: false, wide: true }),
    field('BIC', 'owner_bic', { spellcheck: false }, 'optional'));
  const move = h('input', { type: 'checkbox', name: 'mark_on_process', checked: true });
  const outcome = h('div', { class: 'outcome', id: 'payment-outcome' });
  const write = h('button', { type: 'button', class: 'primary', id: 'write-files' }, 'Write files…');
  const shown = () => {
    about.textContent = `${KINDS[kind.value][1]} The others are listed and left out. Choose a folder next.`;
    owner.hidden = kind.value !== 'sepa';
  };
  kind.addEventListener('change', shown);
  shown();
  api.ownerAccount().then((account) => {
    if (!account) return;
    owner.querySelector('[name=owner_name]').value = account.name;
    owner.querySelector('[name=owner_iban]').value = account.iban;
    owner.querySelector('[name=owner_bic]').value = account.bic;
  }).catch(() => {});
  write.addEventListener('click', async () => {
    write.disabled = true;
    try {
      if (kind.value === 'sepa') {
        const value = (name) => owner.querySelector(`[name=${name}]`).value;
        await api.setOwnerAccount({ name: value('owner_name'), iban: value('owner_iban'), bic: value('owner_bic') });
      }
      const files = await api.paymentFiles(kind.value, ids, move.checked);
      if (files) {
        showFiles(outcome, files, KINDS[kind.value][0]);
        done();
      } else {
        write.disabled = false;
      }
    } catch (error) {
      replace(outcome, h('div', { class: 'banner', role: 'alert' }, error.message));
      write.disabled = false;
    }
  });
  const body = h('div', { class: 'body' },
    h('h2', {}, `Payment file for ${ids.length} payout${ids.length === 1 ? '' : 's'}`),
    h('label', {}, h('span', {}, 'File for'), kind),
    about,
    owner,
    h('label', { class: 'inline' }, move, 'Move the exported payouts to On Process'),
    outcome,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'),
      write));
  const dialog = h('dialog', { 'data-dialog': 'payment-files' }, body);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function showFiles(outcome, files, label) {
  replace(outcome,
    files.files.length
      ? [h('p', {}, `${files.payouts.length} payouts written to:`), h('ul', { id: 'written-files' }, files.files.map((f) => h('li', { class: 'id' }, f)))]
      : h('p', {}, `No file was written: none of the selected payouts can go into a ${label} file.`),
    files.notes.map((note) => h('p', { class: 'notice' }, note)),
    files.skipped.length
      ? [h('p', {}, 'Left out:'), h('ul', { id: 'skipped-payouts' }, files.skipped.map((s) => h('li', {}, h('strong', {}, s.number), ` — ${s.reason}`)))]
      : null);
  toast(files.files.length ? `${files.files.length} ${label} file${files.files.length === 1 ? '' : 's'} written.` : `No ${label} file written.`);
}
