// Telling the customer about a payout (messages.rs): the ready message, saved as an e-mail draft
// (.eml) or copied, and a printable receipt.

import { api } from './api.js';
import { h, copy, toast } from './dom.js';
import { modal } from './dialog.js';
import { money, statusLabel } from './format.js';
import { paidViaLabel } from './payment-fields.js';

/** The panel section: the message as it will read, and what to do with it. */
export function messageSection(p, customer) {
  const preview = h('div', { class: 'message-preview', id: 'customer-message' }, h('p', { class: 'muted' }, 'Loading…'));
  api.payoutMessage(p.id).then((m) => {
    preview.replaceChildren(
      h('p', {}, h('strong', {}, 'To: '), m.to ?? h('span', { class: 'muted' }, `${customer.display_name} has no e-mail address in the book.`)),
      h('p', {}, h('strong', {}, 'Subject: '), m.subject),
      h('pre', { class: 'message-body' }, m.body),
      h('div', { class: 'actions left' },
        h('button', { type: 'button', id: 'save-message', onclick: () => saveMessage(p) }, 'Save as e-mail…'),
        h('button', { type: 'button', onclick: () => copy(`${m.subject}\n\n${m.body}`, 'Message') }, 'Copy text'),
        h('button', { type: 'button', id: 'open-receipt', onclick: () => receipt(p, customer, m.from) }, 'Receipt…')));
  }, (error) => preview.replaceChildren(h('p', { class: 'banner' }, error.message)));
  return preview;
}

async function saveMessage(p) {
  try {
    const path = await api.savePayoutMessage(p.id);
    if (path) toast(`Saved to ${path}. Open it to send it from your mail program.`);
  } catch (error) {
    toast(error.message);
  }
}

/** A receipt for the customer, on its own, to print or save as PDF from the print dialog. */
export function receipt(p, customer, from) {
  const row = (label, value) => value ? [h('dt', {}, label), h('dd', {}, value)] : null;
  const dialog = modal('receipt', h('div', { class: 'body receipt', id: 'receipt' },
    h('h2', {}, 'Payout receipt'),
    h('p', {}, h('strong', {}, from)),
    h('p', { class: 'muted' }, `${p.number} · issued ${new Date().toLocaleDateString()}`),
    h('dl', { class: 'summary' },
      row('Paid to', `${customer.display_name} (${customer.username})`),
      row('Amount', money(p.amount)),
      row('Status', statusLabel(p.status)),
      row('Paid on', p.paid_on),
      row('Paid via', p.status === 'success' ? paidViaLabel(p.paid_via) : null),
      row('Account', p.account),
      row('Reference', p.external_reference),
      row('For', p.description || null),
      row('Request', p.request_number)),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'),
      h('button', { type: 'button', class: 'primary', id: 'print-receipt', onclick: () => window.print() }, 'Print'))));
  return dialog;
}
