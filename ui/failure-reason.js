// Why a payout failed: the reasons the ledger knows (lifecycle.rs, FailureReason), and the
// field that asks for one whenever a status form moves payouts to Failed.

import { h } from './dom.js';

export const FAILURE_REASONS = [
  ['details_invalid', 'Details invalid'],
  ['account_closed', 'Account closed'],
  ['unclaimed', 'Unclaimed'],
  ['returned_by_bank', 'Returned by the bank'],
  ['rejected_by_provider', 'Rejected by the provider'],
  ['other', 'Other (say what in the note)'],
];

const LABELS = Object.fromEntries(FAILURE_REASONS);

/** "Account closed"; payouts that failed before reasons were kept have none. */
export const failureReasonLabel = (reason) => (reason ? LABELS[reason] ?? reason : 'Not recorded');

/** A "Why it failed" select, shown only while `status` (a select) says Failed. */
export function failureReasonField(status, attrs = {}) {
  const select = h('select', { name: 'failure_reason', id: attrs.id ?? null },
    h('option', { value: '' }, 'Choose why…'),
    FAILURE_REASONS.map(([value, text]) => h('option', { value }, text)));
  const label = h('label', { class: attrs.wide ? 'wide' : null, 'data-field': 'failure_reason' },
    h('span', {}, 'Why it failed'), select);
  const sync = () => { label.hidden = status.value !== 'failed'; };
  status.addEventListener('change', sync);
  sync();
  return label;
}
