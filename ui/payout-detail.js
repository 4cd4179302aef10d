// The payout detail panel: the record, its request and customer, the payment account snapshot
// (masked, with an audited reveal and copy buttons), status moves, edits and the audit history.

import { api } from './api.js';
import { openDrawer } from './drawer.js';
import { field } from './dialog.js';
import { h, replace, copy, showError, clearErrors, formValues, toast } from './dom.js';
import { money, statusLabel, when } from './format.js';
import { actionLabel, changeList } from './changes.js';
import { failureReasonField, failureReasonLabel } from './failure-reason.js';
import { paidViaLabel, paymentFields, statusChange } from './payment-fields.js';
import { messageSection } from './customer-message.js';
import { NEXT_STATUS } from './payouts.js';
import { openRequests } from './requests.js';
import { openCustomer } from './customer-page.js';

/** Opens the panel for payout `id`; `changed()` is called after every change it saves. */
export function openDetail(id, changed) {
  return openDrawer({ name: 'payout-detail', label: 'Payout detail', load: () => api.payoutDetail(id), draw, changed });
}

function draw(body, d, dialog, saved) {
  const p = d.payout;
  replace(body,
    h('div', { class: 'drawer-head' },
      h('h2', {}, p.number, ' ', h('span', { class: `badge ${p.status}`, id: 'detail-status' }, statusLabel(p.status))),
      h('button', { class: 'link', 'aria-label': 'Close', onclick: () => dialog.close() }, '✕')),
    h('dl', { class: 'summary' },
      h('dt', {}, 'Amount'), h('dd', {}, money(p.amount), ' ', copyButton(p.amount.text, 'Amount')),
      h('dt', {}, 'Payout id'), h('dd', { class: 'id' }, p.number, ' ', copyButton(p.number, 'Payout id')),
      h('dt', {}, 'Method'), h('dd', {}, p.method === 'bank' ? 'Bank transfer' : 'Digital wallet'),
      h('dt', {}, 'Reference'), h('dd', { id: 'detail-reference' }, p.external_reference
        ?? (p.status === 'success' ? h('span', { class: 'badge pending' }, 'Paid without a reference') : '—')),
      p.paid_on ? [h('dt', {}, 'Paid on'), h('dd', { id: 'detail-paid-on' }, p.paid_on)] : null,
      p.status === 'success' ? [h('dt', {}, 'Paid via'), h('dd', { id: 'detail-paid-via' }, paidViaLabel(p.paid_via))] : null,
      p.fee ? [h('dt', {}, 'Fee'), h('dd', { id: 'detail-fee' }, money(p.fee))] : null,
      p.status === 'failed'
        ? [h('dt', {}, 'Why it failed'), h('dd', { id: 'detail-failure-reason' }, failureReasonLabel(p.failure_reason))]
        : null,
      p.status === 'cancelled'
        ? [h('dt', {}, 'Why it was cancelled'), h('dd', { class: 'wrap', id: 'detail-cancel-reason' }, cancelReason(d.history))]
        : null,
      h('dt', {}, 'Description'), h('dd', { class: 'wrap' }, p.description || '—'),
      h('dt', {}, 'Created'), h('dd', {}, when(p.created_at)),
      h('dt', {}, 'Updated'), h('dd', {}, when(p.updated_at))),
    section('Payment account', account(p, d.account)),
    section('Change status', statusForm(p, d.moves, d.retry_accounts, saved)),
    section('Edit', editForm(p, saved)),
    section('Request', h('dl', { class: 'summary' },
      h('dt', {}, 'Request'), h('dd', { class: 'id' }, h('button', { class: 'link', id: 'detail-request', title: 'Show this request', onclick: () => { dialog.close(); openRequests({ search: d.request.number }); } }, d.request.number)),
      h('dt', {}, 'Program'), h('dd', {}, d.request.program ?? '—'),
      h('dt', {}, 'Status'), h('dd', {}, statusLabel(d.request.status),
        d.request.void_reason ? ` — ${d.request.void_reason}` : null),
      h('dt', {}, 'Note'), h('dd', { class: 'wrap' }, d.request.note || '—'),
      h('dt', {}, 'Created'), h('dd', {}, when(d.request.created_at)))),
    section('Customer', h('dl', { class: 'summary' },
      h('dt', {}, 'Customer'), h('dd', { class: 'id' }, h('button', { class: 'link', id: 'detail-customer', title: "Open this customer's page", onclick: () => { dialog.close(); openCustomer(d.customer.id, () => {}); } }, d.customer.number)),
      h('dt', {}, 'Username'), h('dd', {}, d.customer.username),
      h('dt', {}, 'Name'), h('dd', {}, d.customer.display_name),
      h('dt', {}, 'E-mail'), h('dd', {}, d.customer.email ?? '—'))),
    section('Tell the customer', messageSection(p, d.customer)),
    section('History', history(d.history)));
}

/** The note of the move that cancelled the payout (the history is newest first). */
const cancelReason = (events) => events.find((e) => e.action === 'status'
  && e.changes.some((c) => c.field === 'status' && c.new === 'cancelled'))?.note || '—';

const section = (title, ...content) => h('section', { class: 'drawer-section' }, h('h3', {}, title), content);

function copyButton(text, what) {
  return h('button', { type: 'button', class: 'link copy', 'data-copy': what, onclick: () => copy(text, what), title: `Copy ${what.toLowerCase()}` }, 'Copy');
}

/** The snapshot, masked; "Reveal" asks the ledger for the full values (an audited event). */
function account(p, fields) {
  const list = h('dl', { class: 'summary', id: 'detail-account' });
  const show = (values, revealed) => replace(list, values.map((f) => [
    h('dt', {}, f.label),
    h('dd', { 'data-field': f.key }, f.value, ' ', !f.secret || revealed ? copyButton(f.value, f.label) : null),
  ]));
  show(fields, false);
  const reveal = h('button', { type: 'button', id: 'reveal-account', onclick: async () => {
    try {
      show(await api.revealPayoutAccount(p.id), true);
      reveal.remove();
      toast('Shown in full. The reveal is recorded in the audit trail.');
    } catch (error) {
      toast(error.message);
    }
  } }, 'Reveal full details');
  return [list, h('p', { class: 'muted small' }, 'This is the account as it was when the payout was made (or retried to it). ', reveal)];
}

/** A small form inside the panel: errors next to their fields, `saved()` on success. */
function panelForm(name, fields, submitLabel, submit, saved) {
  const form = h('form', { class: 'fields', 'data-form': name, novalidate: true },
    h('div', { class: 'banner wide', role: 'alert', hidden: true }), fields,
    h('div', { class: 'actions wide' }, h('button', { type: 'submit', class: 'primary' }, submitLabel)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await submit(formValues(form));
      await saved();
    } catch (error) {
      showError(form, error);
    }
  });
  return form;
}

/** A labelled field of the panel's forms; no id, which a dialog's field with the same name may hold. */
const input = (label, name, attrs = {}, hint) => field(label, name, { ...attrs, id: null }, hint);

function statusForm(p, moves, accounts, saved) {
  if (moves.length === 0) return h('p', { class: 'muted', id: 'no-moves' }, 'No move is possible from here.');
  // The next sensible move comes chosen; from Success, whose only move undoes a payment,
  // nothing is.
  const next = moves.includes(NEXT_STATUS[p.status]) ? NEXT_STATUS[p.status] : null;
  const to = h('select', { name: 'status' },
    next ? null : h('option', { value: '' }, 'Choose…'),
    moves.map((s) => h('option', { value: s, selected: s === next }, statusLabel(s))));
  const retrying = () => p.status === 'failed' && to.value === 'pending';
  const payTo = p.status === 'failed' ? payToField(p, accounts) : null;
  if (payTo) {
    const sync = () => { payTo.hidden = !retrying(); };
    to.addEventListener('change', sync);
    sync();
  }
  return panelForm('status', [
    h('label', {}, h('span', {}, 'Move to'), to),
    failureReasonField(to),
    paymentFields(to, { currency: p.amount.currency }),
    payTo,
    input('External reference', 'external_reference', { maxlength: 100, autocomplete: 'off', placeholder: p.external_reference ?? 'e.g. the PayPal transaction id' }),
    input('Note', 'note', { tag: 'textarea', rows: 2, maxlength: 1000, wide: true }, '(required to cancel, to move a Success back to Failed, and for the reason Other)'),
  ], 'Change status', async (values) => {
    if (!values.status) throw Object.assign(new Error('Choose the status to move to.'), { field: 'status' });
    const moved = retrying()
      ? await api.retryPayout(p.id, {
        account_id: values.account_id ? Number(values.account_id) : null,
        external_reference: values.external_reference,
        note: values.note,
      })
      : await api.changePayoutStatus(p.id, statusChange(values));
    toast(`${moved.number} is now ${statusLabel(moved.status)}.`);
  }, saved);
}

/**
 * Which account a retry pays: the one it failed on, or another of the customer's; a payout that
 * failed for a closed account or wrong details starts on the customer's default.
 */
function payToField(p, accounts) {
  const badAccount = ['account_closed', 'details_invalid'].includes(p.failure_reason);
  const preferred = badAccount ? accounts.find((a) => a.is_default) : null;
  return h('label', { class: 'wide', 'data-field': 'account_id' }, h('span', {}, 'Pay to'),
    h('select', { name: 'account_id' },
      h('option', { value: '' }, `The account it failed on: ${p.account}`),
      accounts.map((a) => h('option', { value: a.id, selected: a === preferred },
        `${a.number} · ${a.masked}${a.is_default ? ' (default)' : ''}`))));
}

function editForm(p, saved) {
  return panelForm('edit', [
    input('Description', 'description', { tag: 'textarea', rows: 2, maxlength: 1000, wide: true, value: p.description }),
    input('External reference', 'external_reference', { maxlength: 100, autocomplete: 'off', value: p.external_reference ?? '' }),
    input('Note', 'note', { maxlength: 1000 }, '(optional)'),
  ], 'Save changes', async (values) => {
    await api.editPayout(p.id, values);
    toast(`${p.number} saved.`);
  }, saved);
}

function history(events) {
  return h('ol', { class: 'history', id: 'detail-history' }, events.map((e) => h('li', { 'data-action': e.action },
    h('div', { class: 'history-head' },
      h('strong', {}, actionLabel(e.action)), ' · ', when(e.at), ' · ', e.actor,
      e.source !== 'manual' ? h('span', { class: 'badge source' }, e.source) : null),
    changeList(e.changes),
    e.note ? h('p', { class: 'note' }, e.note) : null)));
}

