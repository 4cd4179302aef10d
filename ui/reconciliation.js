// Reconciliation: exports for a spreadsheet and payment files for providers. Files are chosen
// in a native dialog opened by the app and written by it; nothing here touches a file.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { currentQuery, describeFilters } from './payouts.js';

export async function render(main) {
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Reconciliation')),
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
      h('p', {}, 'Wise batch files, SEPA credit transfer XML, and importing PayPal, CAMT.053 or bank CSV statements to match them against your payouts.')));
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

/** Runs an export from `section`'s button and shows its outcome under it. */
async function run(section, work) {
  const button = section.querySelector('button');
  const result = section.querySelector('.result');
  button.disabled = true;
  try {
    const written = await work();
    if (written) replace(result, h('p', { class: 'ok' }, written));
  } catch (error) {
    replace(result, h('div', { class: 'banner', role: 'alert' }, error.message));
  } finally {
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
