// How an audit event reads: its action, and each field's move from old to new.

import { h } from './dom.js';
import { statusLabel } from './format.js';
import { failureReasonLabel } from './failure-reason.js';
import { paidViaLabel } from './payment-fields.js';

const ACTIONS = {
  create: 'Created',
  status: 'Status changed',
  update: 'Edited',
  approve: 'Approved',
  reject: 'Rejected',
  void: 'Voided',
  reveal: 'Account revealed',
  reconcile: 'Matched to a statement',
  dismiss: 'Statement line set aside or restored',
  export: 'Exported',
  import: 'Statement imported',
  archive: 'Archived',
  default: 'Made default',
  backup: 'Backed up',
  restore: 'Restore scheduled',
  restored: 'Restored from a backup',
  key: 'Trail sealed with a key',
};

export const actionLabel = (action) => ACTIONS[action] ?? action;

const METHODS = { bank: 'Bank transfer', digital: 'Digital wallet' };

/** A field's value as a person reads it: labels for codes, lists as lists, empty as a dash. */
function shown(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.map((v) => shown(field, v)).join(', ') : '—';
  if (field === 'status' || field === 'statuses') return statusLabel(value);
  if (field === 'failure_reason') return failureReasonLabel(value);
  if (field === 'paid_via') return paidViaLabel(value);
  if (field === 'method') return METHODS[value] ?? value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Fields the trail keeps for Verify, not for reading: an account's seal. */
const HIDDEN = new Set(['account_seal']);

/** The field changes of an event as a list, or null when it has none. */
export function changeList(all) {
  const changes = all.filter((c) => !HIDDEN.has(c.field));
  return changes.length ? h('ul', { class: 'changes' }, changes.map((c) => h('li', {},
    h('span', { class: 'muted' }, `${c.field.replaceAll('_', ' ')}: `),
    c.old === null ? shown(c.field, c.new) : [shown(c.field, c.old), ' → ', shown(c.field, c.new)]))) : null;
}
