// Payment runs: every payment file written, with its payouts. A run's file can be written again
// byte for byte, the whole run marked paid, or its payouts opened one by one.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { formDialog } from './dialog.js';
import { openDrawer } from './drawer.js';
import { money, statusLabel, when } from './format.js';
import { pager } from './pager.js';
import { liveList } from './list.js';
import { paymentFields, paymentOf } from './payment-fields.js';
import { showOutcome } from './payouts.js';
import { openDetail } from './payout-detail.js';

const state = { page: 1, page_size: 20 };

export async function render(main) {
  const list = h('div', { id: 'run-list' });
  const load = liveList(list, state,
    () => api.listRuns({ page: state.page, page_size: state.page_size }),
    (page) => draw(list, page, load));
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Payment runs')),
    h('p', { class: 'muted' }, 'Each payment file written is a run. Write its file again exactly as it was, mark the whole run paid, or open its payouts.'),
    list);
  await load();
}

/** "3 On Process · 1 Failed" as badges. */
const statuses = (run) => run.statuses.map((s) => h('span', { class: `badge ${s.status}` }, `${s.count} ${statusLabel(s.status)}`));

const paidBy = (run) => (run.paid_by.length
  ? run.paid_by.map((e) => `${e.reference} (${e.booked_on})`).join(', ')
  : '—');

function draw(list, page, load) {
  replace(list,
    page.total === 0
      ? h('div', { class: 'card empty', id: 'no-runs' }, 'No payment file was written yet. On the Payouts screen, select Pending payouts and choose "Payment file…".')
      : h('div', { class: 'table-wrap' }, h('table', { id: 'runs-table' },
        h('thead', {}, h('tr', {}, ['Run', 'File', 'Payouts', 'Total', 'Now', 'Booked by the bank', 'Written', ''].map((t) => h('th', { class: t === 'Total' || t === 'Payouts' ? 'num' : null }, t)))),
        h('tbody', {}, page.items.map((run) => h('tr', { 'data-run': run.number },
          h('td', { class: 'id' }, h('button', { class: 'link', 'data-action': 'open-run', onclick: () => openRun(run.id, load) }, run.number)),
          h('td', { class: 'wrap' }, run.file_name, h('div', { class: 'muted small' }, run.kind_label)),
          h('td', { class: 'num' }, String(run.payout_count)),
          h('td', { class: 'num' }, money(run.total)),
          h('td', {}, statuses(run)),
          h('td', { class: 'wrap' }, paidBy(run)),
          h('td', {}, when(run.created_at), h('div', { class: 'muted small' }, run.operator)),
          h('td', { class: 'actions-cell' },
            h('button', { class: 'link', 'data-action': 'write-again', onclick: () => writeAgain(run) }, 'Write again…'),
            h('button', { class: 'link', 'data-action': 'mark-paid', onclick: () => markPaid(run, load) }, 'Mark paid…'),
            h('button', { class: 'link', 'data-action': 'save-messages', onclick: () => saveMessages(run) }, 'E-mails…'))))))),
    pager(page, state, () => load()));
}

async function writeAgain(run) {
  try {
    const path = await api.writeRunAgain(run.id);
    if (path) toast(`${run.number} written again to ${path}.`);
  } catch (error) {
    toast(error.message);
  }
}

/** A ready e-mail for each payout of the run, as drafts in a folder the user picks. */
async function saveMessages(run) {
  try {
    const saved = await api.saveRunMessages(run.id);
    if (!saved) return;
    const missing = saved.without_email.length ? ` No e-mail address for ${saved.without_email.join(', ')}.` : '';
    toast(`${saved.written.length} e-mail${saved.written.length === 1 ? '' : 's'} saved.${missing}`);
  } catch (error) {
    toast(error.message);
  }
}

/** Every payout of the run that can be marked Success, as paid on one day, one way. */
function markPaid(run, done) {
  formDialog({
    title: `Mark ${run.number} paid`,
    name: 'mark-run-paid',
    submitLabel: 'Mark paid',
    body: h('div', { class: 'fields' },
      h('p', { class: 'wide' }, `${run.payout_count} payout${run.payout_count === 1 ? '' : 's'}, ${money(run.total)}. Those already paid are left as they are; any that cannot be marked paid (a Failed one, say) are listed.`),
      paymentFields(null, { currency: run.total.currency })),
    onSubmit: async (values) => {
      const outcome = await api.markRunPaid(run.id, paymentOf(values));
      done();
      showOutcome(outcome, statusLabel('success'));
    },
  });
}

function openRun(id, changed) {
  return openDrawer({ name: 'run-detail', label: 'Payment run', load: () => api.paymentRun(id), draw: drawRun, changed });
}

function drawRun(body, d, dialog, saved) {
  const run = d.run;
  const more = run.payout_count - d.payouts.length;
  replace(body,
    h('div', { class: 'drawer-head' },
      h('h2', {}, run.number),
      h('button', { class: 'link', 'aria-label': 'Close', onclick: () => dialog.close() }, '✕')),
    h('dl', { class: 'summary', id: 'run-summary' },
      h('dt', {}, 'File'), h('dd', { class: 'wrap' }, run.file_name),
      h('dt', {}, 'Kind'), h('dd', {}, run.kind_label),
      h('dt', {}, 'First written to'), h('dd', { class: 'wrap' }, run.folder),
      run.batch_id ? [h('dt', {}, 'File id'), h('dd', { class: 'id' }, run.batch_id)] : null,
      h('dt', {}, 'Total'), h('dd', {}, money(run.total), ` in ${run.payout_count} payout${run.payout_count === 1 ? '' : 's'}`),
      h('dt', {}, 'Now'), h('dd', {}, statuses(run)),
      h('dt', {}, 'Booked by the bank'), h('dd', {}, paidBy(run)),
      h('dt', {}, 'Written'), h('dd', {}, when(run.created_at), ` by ${run.operator}`)),
    h('section', { class: 'drawer-section' }, h('h3', {}, 'Payouts'),
      h('table', { class: 'compact', id: 'run-payouts' },
        h('tbody', {}, d.payouts.map((p) => h('tr', { 'data-number': p.number },
          h('td', { class: 'id' }, h('button', { class: 'link', 'data-action': 'open-payout', onclick: () => { dialog.close(); openDetail(p.id, saved); } }, p.number)),
          h('td', {}, p.display_name),
          h('td', { class: 'num' }, money(p.amount)),
          h('td', {}, h('span', { class: `badge ${p.status}` }, statusLabel(p.status))))))),
      more > 0 ? h('p', { class: 'muted' }, `…and ${more} more.`) : null));
}
