// Needs attention: what is owed, in process, paid this month and failed, per currency (with a
// small chart), and the records that want a look, each opening where it can be dealt with.

import { api } from './api.js';
import { h, svg, replace } from './dom.js';
import { money, day } from './format.js';
import { showPayout, showPayouts } from './payouts.js';
import { openCustomer } from './customer-page.js';
import { openRequests } from './requests.js';
import { failureReasonLabel } from './failure-reason.js';

const state = { days: 14 };

const FIGURES = [
  ['owed', 'Owed (Pending)', 'pending'],
  ['in_process', 'In process', 'on_process'],
  ['paid_this_month', 'Paid this month', 'success'],
  ['failed', 'Failed', 'failed'],
];

export async function render(main) {
  const body = h('div', { id: 'attention' });
  const days = h('input', { type: 'number', id: 'attention-days', min: 1, max: 3650, value: state.days, 'aria-label': 'Days' });
  days.addEventListener('change', () => {
    state.days = Math.max(1, Number(days.value) || 14);
    load();
  });
  const load = async () => {
    try {
      draw(body, await api.needsAttention(state.days), days);
      showCount();
    } catch (error) {
      replace(body, h('div', { class: 'banner', role: 'alert' }, error.message));
    }
  };
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Needs attention')),
    body);
  await load();
}

/** The to-do lists of a needs-attention answer (the keys of its lists). */
const LISTS = ['pending_too_long', 'in_process_too_long', 'file_without_reference', 'failed_not_dealt_with',
  'success_without_reference', 'approved_without_payout', 'customers_without_account'];

/**
 * Shows beside Needs attention in the sidebar how many entries its to-do lists hold ("120+"
 * when a list was counted only so far), or nothing when they are empty.
 */
let counting = 0;
export async function showCount() {
  const badge = document.getElementById('attention-count');
  const link = badge.closest('a');
  const mine = ++counting;
  let view = null;
  try {
    view = await api.needsAttention(state.days);
  } catch {
    // The screen itself says what went wrong; the sidebar says nothing rather than an old count.
  }
  if (mine !== counting) return; // a later count is on its way
  const found = view ? LISTS.map((key) => view[key]) : [];
  const n = found.reduce((sum, f) => sum + f.total, 0);
  badge.textContent = `${n.toLocaleString()}${found.every((f) => f.total_exact) ? '' : '+'}`;
  badge.hidden = n === 0;
  link.setAttribute('aria-label', n === 0 ? 'Needs attention' : `Needs attention: ${badge.textContent} to look at`);
}

/** The to-do lists first, each with the control that changes it; then the money per currency. */
function draw(body, view, days) {
  replace(body,
    h('div', { class: 'attention-lists' },
      list('pending-too-long', `Pending longer than ${view.older_than_days} days`, view.pending_too_long,
        (p) => payoutRow(p, `${money(p.amount)} · since ${day(p.created_at)}`), () => showPayouts(['pending']),
        h('label', { class: 'inline small' }, 'Older than ', days, ' days')),
      list('in-process-too-long', `On Process longer than ${view.older_than_days} days`, view.in_process_too_long,
        (p) => payoutRow(p, `${money(p.amount)} · ${p.username}`), () => showPayouts(['on_process'])),
      list('file-without-reference', `In a payment file over ${view.older_than_days} days ago, no reference yet`,
        view.file_without_reference,
        (p) => payoutRow(p, `${money(p.amount)} · ${p.username}`), () => showPayouts(['on_process'])),
      list('failed-not-dealt-with', 'Failed, not retried or cancelled', view.failed_not_dealt_with,
        (p) => payoutRow(p, `${money(p.amount)} · ${p.username}${p.failure_reason ? ` · ${failureReasonLabel(p.failure_reason)}` : ''}`),
        () => showPayouts(['failed'])),
      list('success-without-reference', 'Success without a reference', view.success_without_reference,
        (p) => payoutRow(p, `${money(p.amount)} · ${p.username}`)),
      list('approved-without-payout', 'Approved requests without a payout', view.approved_without_payout,
        (r) => h('li', {}, h('button', { class: 'link id', onclick: () => showRequests('payable', r.number) }, r.number),
          ` ${r.username} · ${money(r.amount)}`),
        () => showRequests('payable')),
      list('customers-without-account', 'Customers without a payment account', view.customers_without_account,
        (c) => h('li', {}, h('button', { class: 'link id', onclick: () => openCustomer(c.id, () => {}) }, c.number),
          ` ${c.username} · ${c.display_name}`))),
    view.totals.length
      ? h('div', { class: 'totals', id: 'attention-totals' }, view.totals.map(currencyCard))
      : h('div', { class: 'card empty' }, 'No payouts yet.'));
}

/** Opens the Incentive requests screen on `filter`, searching `number` when given. */
function showRequests(filter, number = '') {
  openRequests({ filter, search: number });
}

function payoutRow(p, text) {
  return h('li', {}, h('button', { class: 'link id', onclick: () => showPayout(p.number) }, p.number), ` ${text}`);
}

/** A currency's four figures and a bar for each, scaled to the largest. */
function currencyCard(t) {
  const values = FIGURES.map(([key]) => Number(t[key].text));
  const top = Math.max(...values, 0) || 1;
  const width = 220;
  const chart = svg('svg', { class: 'bars', viewBox: `0 0 ${width} 64`, preserveAspectRatio: 'xMinYMid meet', role: 'img', 'aria-label': `${t.currency} by status` },
    FIGURES.map(([, label, status], i) => svg('rect', {
      class: `bar ${status}`, x: 0, y: i * 16 + 2, height: 12,
      width: Math.max(values[i] > 0 ? 2 : 0, (values[i] / top) * width),
    }, svg('title', {}, `${label}: ${money(t[FIGURES[i][0]])}`))));
  return h('section', { class: 'card currency-totals', 'data-currency': t.currency },
    h('h2', {}, t.currency),
    h('dl', { class: 'summary' }, FIGURES.flatMap(([key, label, status]) => [
      h('dt', {}, h('span', { class: `dot ${status}` }), label),
      h('dd', { 'data-figure': key }, money(t[key])),
    ])),
    chart);
}

/**
 * A to-do list with its count; `showAll`, when given, opens the screen listing every entry;
 * `control`, when given, is what changes the list, beside it.
 */
function list(id, title, found, row, showAll = null, control = null) {
  const n = found.total_exact ? found.total.toLocaleString() : `${found.total.toLocaleString()}+`;
  return h('section', { class: 'card', id },
    h('h2', {}, title, ' ', h('span', { class: found.total ? 'badge pending' : 'badge success' }, n)),
    control,
    found.items.length
      ? [h('ul', { class: 'plain' }, found.items.map(row)),
        found.total > found.items.length
          ? h('p', { class: 'muted small' }, `The oldest ${found.items.length} are shown. `,
            showAll ? h('button', { class: 'link', 'data-action': 'show-all', onclick: showAll }, 'Show all') : null)
          : null]
      : h('p', { class: 'muted' }, 'Nothing here.'));
}
