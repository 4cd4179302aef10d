// What a move to Success says of the payment (payouts/paid.rs): the day it was really paid
// (today or earlier), how, and what it cost in the fee's own currency. Shown only while a status
// form moves payouts to Success.

import { h } from './dom.js';

export const PAID_VIA = [
  ['paypal', 'PayPal'],
  ['bank_transfer', 'Bank transfer'],
  ['wise', 'Wise'],
  ['cash', 'Cash'],
  ['other', 'Other'],
];

const LABELS = Object.fromEntries(PAID_VIA);

/** "Bank transfer"; payouts paid before the way was kept have none. */
export const paidViaLabel = (via) => (via ? LABELS[via] ?? via : 'Not recorded');

/** Today in the user's time zone, as `YYYY-MM-DD`. */
function today() {
  const now = new Date();
  const two = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

/**
 * Paid on, paid via and fee, shown only while `status` (a select, if given) says Success;
 * `currency` is the payout's (empty for many payouts: each payout's own).
 */
export function paymentFields(status, { currency = '' } = {}) {
  const labelled = (text, name, control, hint) => h('label', { 'data-field': name },
    h('span', {}, text, hint ? h('span', { class: 'hint' }, ` ${hint}`) : null), control);
  const day = today();
  const box = h('div', { class: 'fields wide', 'data-fields': 'payment' },
    labelled('Paid on', 'paid_on', h('input', { type: 'date', name: 'paid_on', value: day, max: day, required: true })),
    labelled('Paid via', 'paid_via', h('select', { name: 'paid_via' },
      h('option', { value: '' }, 'As its account is paid'),
      PAID_VIA.map(([value, text]) => h('option', { value }, text)))),
    labelled('Fee', 'fee', h('input', { name: 'fee', inputmode: 'decimal', autocomplete: 'off', placeholder: 'none' }), '(optional)'),
    labelled('Fee currency', 'fee_currency', h('input', {
      name: 'fee_currency', value: currency, maxlength: 3, autocomplete: 'off',
      placeholder: currency || "each payout's", style: 'text-transform: uppercase',
    })));
  if (status) {
    const sync = () => { box.hidden = status.value !== 'success'; };
    status.addEventListener('change', sync);
    sync();
  }
  return box;
}

/** The payment the form's fields say, as the ledger takes it. */
export const paymentOf = ({ paid_on = '', paid_via = '', fee = '', fee_currency = '' }) => (
  { paid_on, paid_via: paid_via || null, fee, fee_currency });

/**
 * The form's values as a status move sends them: no failure reason unless one was chosen, the
 * payment's fields together.
 */
export function statusChange({ paid_on, paid_via, fee, fee_currency, ...values }) {
  return {
    ...values,
    failure_reason: values.failure_reason || null,
    payment: paymentOf({ paid_on, paid_via, fee, fee_currency }),
  };
}
