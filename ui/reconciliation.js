// Reconciliation: statement matching and exports for a spreadsheet. Files are chosen in a
// native dialog opened by the app and read or written by it; nothing here touches a file.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { currentQuery, describeFilters } from './payout-query.js';
import { money, when } from './format.js';
import { mappingPanel } from './statement-mapping.js';
import { pager } from './pager.js';
import { withProgress } from './progress.js';
import { modal, formDialog, field } from './dialog.js';

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
    h('p', {}, 'Import PayPal’s activity CSV (Activity › Statements › Download), your bank’s camt.053 statement, or any bank’s CSV export through a column mapping you set up once. Each line is matched to a payout by the payout number the app wrote into its payment files and the provider carried back (PayPal’s custom number, SEPA’s EndToEndId, Wise’s reference) or the stored reference; a number found only in free text, or amount, currency and recipient, give a suggestion. You confirm, and the payouts move to Success (or Failed for a return) with the provider’s reference.'),
    h('div', { class: 'toolbar' },
      format,
      h('button', { class: 'primary', id: 'import-statement', onclick: () => importWith(() => (format.value === 'generic_csv'
        ? mapping.savedFormat()
        : { format: format.value }), false) }, 'Import statement…')),
    mapping.panel,
    h('div', { class: 'result', role: 'status' }),
    h('div', { id: 'statement-review' }));
  const imports = h('section', { class: 'card', id: 'imports-section' },
    h('h2', {}, 'Imported statements'),
    h('p', {}, 'Every statement imported, newest first, with what is left to review. A review left unfinished stays here until every line is confirmed or set aside.'),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', id: 'review-open-lines', onclick: async () => {
      lastImport = POOL;
      Object.assign(reviewState, { state: null, page: 1 });
      await showReview(section, null);
      section.scrollIntoView();
    } }, 'Review the open lines of every statement')),
    h('div', { id: 'imports-list' }));
  refreshImports = () => showImports(imports.querySelector('#imports-list'), section);
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Reconciliation')),
    section,
    imports,
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
  const listed = await refreshImports();
  // After a restart, the newest review with lines left to decide opens where it was.
  lastImport ??= listed?.items.find((i) => i.open > 0)?.id ?? null;
  if (lastImport) await showReview(section, lastImport === POOL ? null : lastImport);
}

/** Redraws the imports list; set by `render`. */
let refreshImports = async () => null;
const importsState = { page: 1, page_size: 10 };

/** The imports, each with its counts and a way back to its review; returns the page shown. */
async function showImports(box, section) {
  let page;
  try {
    page = await api.statementImports(importsState);
  } catch (error) {
    replace(box, h('div', { class: 'banner', role: 'alert' }, error.message));
    return null;
  }
  const open = (id) => async () => {
    lastImport = id;
    Object.assign(reviewState, { state: null, page: 1 });
    await showReview(section, id);
    section.scrollIntoView();
  };
  const rows = page.items.map((i) => h('tr', { 'data-import': i.id },
    h('td', {}, i.file_name),
    h('td', {}, when(i.imported_at), i.imported_by ? h('div', { class: 'muted small' }, i.imported_by) : null),
    h('td', { class: 'num' }, i.lines.toLocaleString()),
    h('td', { class: 'num' }, i.confirmed.toLocaleString()),
    h('td', { class: 'num' }, i.pending.toLocaleString()),
    h('td', { class: 'num' }, i.open ? h('strong', {}, i.open.toLocaleString()) : '0',
      i.unreadable ? h('div', { class: 'muted small' }, `${i.unreadable} unreadable`) : null),
    h('td', {}, h('button', { type: 'button', class: 'link open-review', onclick: open(i.id) }, i.open ? 'Continue review' : 'Show'))));
  replace(box, page.items.length
    ? [h('div', { class: 'table-wrap' }, h('table', { id: 'imports-table' },
        h('thead', {}, h('tr', {}, ['File', 'Imported', 'Lines', 'Confirmed', 'Pending', 'To review', ''].map((t) => h('th', { class: ['Lines', 'Confirmed', 'Pending', 'To review'].includes(t) ? 'num' : null }, t)))),
        h('tbody', {}, rows))),
      pager(page, importsState, () => showImports(box, section))]
    : h('p', { class: 'muted' }, 'No statement imported yet.'));
  return page;
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

/** The import shown on this screen (or POOL, the open lines of all) and which of its lines,
 *  kept while the app runs. */
const POOL = 'pool';
let lastImport = null;
/** The On Process payouts no line accounts for, of the import they were read for. */
let withoutLine = {};
const reviewState = { state: null, page: 1, page_size: 50 };

/** Imports a statement in the format `statementOf()` gives: the file held while mapping its
 *  columns, or one chosen now. */
function importStatement(section, statementOf, held) {
  return run(section, async () => {
    let outcome;
    try {
      outcome = await api.importStatement(statementOf(), held);
    } catch (error) {
      if (error.code !== 'ambiguous_dates') throw error;
      // Every date reads two ways: the owner says which layout the file uses.
      const dates = await askDateOrder(error.message);
      if (!dates) return 'Not imported: no date layout was chosen.';
      outcome = await api.importStatement(statementOf(), true, dates);
    }
    if (!outcome) return null;
    await refreshImports();
    if (outcome.import_id) {
      lastImport = outcome.import_id;
      Object.assign(reviewState, { state: null, page: 1 });
      await showReview(section, lastImport);
    }
    return outcome.message;
  }, { cancellable: false });
}

/** Asks whether the file's dates put the day or the month first; resolves with
 *  'day_first', 'month_first', or null when the dialog is closed. */
function askDateOrder(question) {
  return new Promise((resolve) => {
    let answer = null;
    const choose = (order) => () => { answer = order; dialog.close(); };
    const dialog = modal('date-order', h('div', { class: 'body' },
      h('h2', {}, 'How are the dates written?'),
      h('p', { id: 'date-order-question' }, question),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
        h('button', { type: 'button', id: 'month-first', onclick: choose('month_first') }, 'Month first (US)'),
        h('button', { type: 'button', class: 'primary', id: 'day-first', onclick: choose('day_first') }, 'Day first (UK, Europe)'))));
    dialog.addEventListener('close', () => resolve(answer));
  });
}

const STATE_LABELS = { matched: 'Matched', suggested: 'Suggested', unmatched: 'No payout', confirmed: 'Confirmed', pending: 'Pending at provider', dismissed: 'Set aside' };
const STATE_BADGES = { matched: 'success', suggested: 'pending', unmatched: 'failed', confirmed: 'approved', pending: 'on_process', dismissed: 'rejected' };

/** Asks why a line is set aside and sets it aside; resolves once the dialog closes. */
function dismissLine(line, done) {
  formDialog({
    name: 'dismiss-line',
    title: `Set line ${line.line_no} aside`,
    submitLabel: 'Set aside',
    body: [
      h('p', {}, `${line.booked_on} · ${money(line.amount)} · ${line.counterparty || 'no name'}. A line set aside is not a payout’s: it leaves the open lines, and you can bring it back.`),
      field('Why', 'note', { required: true, maxlength: 500, placeholder: 'A supplier’s invoice, not a cashback', wide: true }),
    ],
    onSubmit: async ({ note }) => {
      await api.dismissStatementLine(line.id, note);
      toast(`Line ${line.line_no} set aside.`);
      await done();
    },
  });
}

/** The review of an import, or with `importId` null the open lines of every import: counts
 *  by state (each a filter), a page of lines with their match and a tick to confirm each, and
 *  the On Process payouts that no line covers. */
async function showReview(section, importId) {
  const box = section.querySelector('#statement-review');
  let review;
  try {
    review = await api.statementReview(importId, reviewState);
    // Read once per import shown (and after a confirm), not for every page.
    if (importId !== null && withoutLine.importId !== importId) {
      withoutLine = { importId, payouts: await api.payoutsWithoutLine(importId) };
    }
  } catch (error) {
    replace(box, h('div', { class: 'banner', role: 'alert' }, error.message));
    return;
  }
  const again = () => showReview(section, importId);
  const rows = review.lines.map((line) => {
    const open = line.state === 'matched' || line.state === 'suggested';
    const tick = h('input', { type: 'checkbox', class: 'confirm', 'aria-label': `Confirm line ${line.line_no}`, checked: line.state === 'matched', disabled: !open });
    // A bank's one entry for a whole payment file pays all its payouts together.
    const whole = line.batch_reference && line.candidates.length > 1;
    const choice = line.candidates.length > 1 && open && !whole
      ? h('select', { class: 'candidate', 'aria-label': `Payout for line ${line.line_no}` }, line.candidates.map((p) => h('option', { value: p.id }, `${p.number} · ${p.username}`)))
      : null;
    const payouts = whole
      ? h('details', { class: 'file-payouts' }, h('summary', {}, `${line.candidates.length} payouts of one file`),
        h('ul', {}, line.candidates.map((p) => h('li', {}, `${p.number} · ${p.username} · ${money(p.amount)}`))))
      : null;
    const aside = line.state === 'dismissed'
      ? h('button', { type: 'button', class: 'link restore-line', onclick: async () => {
        try {
          await api.restoreStatementLine(line.id);
          toast(`Line ${line.line_no} is open again.`);
          withoutLine = {};
          refreshImports();
          await again();
        } catch (error) {
          toast(error.message);
        }
      } }, 'Bring back')
      : line.state !== 'confirmed'
        ? h('button', { type: 'button', class: 'link dismiss-line', onclick: () => dismissLine(line, async () => { withoutLine = {}; refreshImports(); await again(); }) }, 'Set aside…')
        : null;
    const row = h('tr', { 'data-line': line.line_no },
      h('td', { class: 'check' }, tick),
      h('td', {}, line.booked_on),
      h('td', { class: 'num' }, money(line.amount)),
      h('td', {}, line.counterparty || '—'),
      h('td', { class: 'id' }, line.provider_reference),
      h('td', {}, h('span', { class: `badge ${STATE_BADGES[line.state]}` }, STATE_LABELS[line.state]),
        line.kind === 'return' ? h('span', { class: 'badge' }, 'Return') : null),
      h('td', { class: 'id' }, payouts ?? choice ?? (line.candidates[0]?.number ?? '—')),
      h('td', { class: 'wrap muted small' }, line.evidence),
      h('td', {}, aside));
    return { row, tick, choice, line };
  });
  const confirmed = (outcome) => {
    withoutLine = {};
    toast(`${outcome.confirmed.length.toLocaleString()} payout${outcome.confirmed.length === 1 ? '' : 's'} updated${outcome.skipped.length ? `; ${outcome.skipped.length} left as they were` : ''}.`);
    refreshImports();
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
  const all = importId !== null && review.counts.matched > review.lines.filter((l) => l.state === 'matched').length
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
      filter(null, 'All', c.matched + c.suggested + c.unmatched + c.confirmed + c.pending + c.dismissed),
      filter('matched', 'Matched', c.matched),
      filter('suggested', 'Suggested', c.suggested),
      filter('unmatched', 'No payout', c.unmatched),
      // Confirmed and set-aside lines leave the pool of open lines.
      importId !== null ? filter('confirmed', 'Confirmed', c.confirmed) : null,
      c.pending ? filter('pending', 'Pending at provider', c.pending) : null,
      c.dismissed ? filter('dismissed', 'Set aside', c.dismissed) : null)),
    h('div', { class: 'table-wrap' }, h('table', { id: 'review-table' },
      h('thead', {}, h('tr', {}, ['', 'Booked', 'Amount', 'Recipient', 'Reference', 'Match', 'Payout', 'Why', ''].map((t) => h('th', { class: t === 'Amount' ? 'num' : null }, t)))),
      h('tbody', {}, rows.length ? rows.map((r) => r.row) : h('tr', {}, h('td', { colspan: 9, class: 'empty' }, 'No line here.'))))),
    pager({ ...review, items: review.lines }, reviewState, again),
    review.unreadable.length ? [
      h('h3', {}, 'Lines that could not be read'),
      h('ul', { id: 'unreadable-lines' }, review.unreadable.map((u) => h('li', {}, h('strong', {}, `Line ${u.line_no}`), ` — ${u.reason}`))),
    ] : null,
    h('div', { class: 'actions left' }, confirm, all),
    importId !== null && withoutLine.payouts.length ? [
      h('h3', {}, 'On Process payouts with no line in this statement'),
      h('ul', { id: 'payouts-without-line' }, withoutLine.payouts.map((p) => h('li', {}, `${p.number} · ${p.username} · ${money(p.amount)}`))),
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
