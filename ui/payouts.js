// Payouts: the list with live search, filters, paging and selection; bulk status moves; and
// the "Add cashback payout" flow. The detail panel lives in payout-detail.js, the payment file
// dialog in payment-file-dialog.js, and the saved search and selection in payout-query.js.

import { api } from './api.js';
import { h, replace, debounce, toast, dateFilter } from './dom.js';
import { modal, formDialog, field, choose } from './dialog.js';
import { money, statusLabel, when, day, newKey } from './format.js';
import { pager } from './pager.js';
import { picker } from './picker.js';
import { liveList } from './list.js';
import { openDetail } from './payout-detail.js';
import { sampleDataButton } from './sample.js';
import { paymentFileDialog } from './payment-file-dialog.js';
import { failureReasonField } from './failure-reason.js';
import { paymentFields, statusChange } from './payment-fields.js';
import { state, currentQuery } from './payout-query.js';

export const STATUSES = ['pending', 'on_process', 'success', 'failed', 'cancelled'];

/** The next sensible move from each status: sent, then paid; a failed one retried. */
export const NEXT_STATUS = { pending: 'on_process', on_process: 'success', failed: 'pending' };

const filtered = () => state.search.trim() !== '' || state.statuses.length > 0 || state.currency || state.from || state.to;

/** An approved request to pay as soon as the Payouts screen is drawn (see `payRequest`). */
let payNext = null;

/**
 * The payout just created or changed here ({ id, number }): the next drawing of the list
 * marks it, or says that the search and filters hide it, with a way to show it.
 */
let justChanged = null;

/** Opens the Payouts screen with "Add cashback payout" on approved request `number`. */
export function payRequest(number) {
  payNext = number;
  location.hash = '#payouts';
}

/** Opens the Payouts screen on every payout in `statuses`. */
export function showPayouts(statuses) {
  Object.assign(state, { search: '', statuses, currency: '', from: '', to: '', page: 1 });
  location.hash = '#payouts';
}

/** Opens the Payouts screen on one payout, found by its number. */
export function showPayout(number) {
  Object.assign(state, { search: number, statuses: [], currency: '', from: '', to: '', page: 1 });
  location.hash = '#payouts';
}

export async function render(main) {
  // The filter offers the currencies the book's payouts are in (and the one chosen, if its
  // payouts are gone since).
  const currencies = await api.payoutCurrencies();
  if (state.currency && !currencies.some((c) => c.code === state.currency)) {
    currencies.push({ code: state.currency, name: '' });
  }
  const list = h('div', { id: 'payout-list' });
  const bulkBar = h('div', { class: 'bulk-bar', id: 'bulk-bar', hidden: true });
  const load = liveList(list, state, fetchPayouts, (page) => draw(list, bulkBar, page, load));
  const refilter = () => { state.page = 1; load(); };

  const search = h('input', { type: 'search', id: 'payout-search', value: state.search, placeholder: 'Search id, request, username, name, amount, description, reference', 'aria-label': 'Search payouts', autocomplete: 'off' });
  search.addEventListener('input', debounce(() => { state.search = search.value; refilter(); }, 150));
  const statusButtons = STATUSES.map((s) => h('button', {
    type: 'button', 'data-status': s, 'aria-pressed': String(state.statuses.includes(s)),
    onclick: (e) => {
      const on = e.currentTarget.getAttribute('aria-pressed') !== 'true';
      e.currentTarget.setAttribute('aria-pressed', String(on));
      state.statuses = on ? [...state.statuses, s] : state.statuses.filter((x) => x !== s);
      refilter();
    },
  }, statusLabel(s)));
  const currency = h('select', { id: 'payout-currency', 'aria-label': 'Currency', onchange: (e) => { state.currency = e.target.value; refilter(); } },
    h('option', { value: '' }, 'All currencies'),
    currencies.map((c) => h('option', { value: c.code, selected: c.code === state.currency }, c.name ? `${c.code} · ${c.name}` : c.code)));
  const date = (id, label, key) => h('label', { class: 'inline' }, label,
    dateFilter({ id, value: state[key], onchange: (e) => { state[key] = e.target.value; refilter(); } }));
  const clear = h('button', { type: 'button', id: 'clear-filters', class: 'link', onclick: () => {
    Object.assign(state, { search: '', statuses: [], currency: '', from: '', to: '' });
    render(main);
  } }, 'Clear filters');

  replace(main,
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Payouts'),
      h('button', { class: 'primary', id: 'add-payout', onclick: () => addPayout(load) }, 'Add cashback payout')),
    h('div', { class: 'toolbar' }, search,
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Status' }, statusButtons)),
    h('div', { class: 'toolbar' },
      currency, date('payout-from', 'Created from', 'from'), date('payout-to', 'to', 'to'), clear,
      h('a', { href: '#reconciliation', id: 'export-link', class: 'push-right' }, 'Export these payouts…')),
    bulkBar,
    list);
  await load();
  if (payNext) {
    const number = payNext;
    payNext = null;
    addPayout(load, number);
  }
}

/**
 * One page of the list. A broad search with filters walks the book in steps, each answered
 * within a frame: while the answer says where it stopped (`searched_to`) and the page is not
 * full, ask on from there, unless the user has typed something newer meanwhile.
 */
async function fetchPayouts(isCurrent) {
  const query = currentQuery();
  const size = query.page_size;
  const backwards = query.cursor === 'end' || (query.cursor && 'before' in query.cursor);
  const first = await api.listPayouts(query);
  let page = first;
  let items = page.items;
  while (page.searched_to != null && items.length < size && isCurrent()) {
    const cursor = backwards ? { before: page.searched_to } : { after: page.searched_to };
    page = await api.listPayouts({ ...query, cursor });
    items = backwards ? [...page.items, ...items] : [...items, ...page.items];
  }
  if (page === first) return page;
  // Such a search is not counted: the total is what is known so far, and one more when more
  // may follow.
  const more = items.length > size || page.searched_to != null
    || (page.total_exact === false && page.items.length > 0);
  items = backwards ? items.slice(-size) : items.slice(0, size);
  const seen = items.length ? (state.page - 1) * size + items.length : 0;
  return { ...page, items, total: seen + (more ? 1 : 0), total_exact: !more && items.length > 0 };
}

function draw(list, bulkBar, page, load) {
  drawBulkBar(bulkBar, load);
  const changed = justChanged;
  justChanged = null;
  const hidden = changed && !page.items.some((p) => p.id === changed.id);
  const notice = hidden
    ? h('p', { class: 'notice', id: 'hidden-change' }, `${changed.number} is not in this list: the search or filters hide it. `,
      h('button', { class: 'link', id: 'show-changed', onclick: () => { showPayout(changed.number); render(document.getElementById('main')); } }, `Show ${changed.number}`))
    : null;
  const hint = [notice, page.search_hint ? h('p', { class: 'hint-line', id: 'search-hint' }, page.search_hint) : null];
  let body;
  if (page.total === 0 && !filtered()) body = emptyBook();
  else if (page.total === 0) body = h('div', { class: 'card empty', id: 'no-match' }, 'No payout matches the search and filters.');
  else body = table(page, load, () => drawBulkBar(bulkBar, load));
  replace(list, hint, body, page.total || state.page > 1 ? pager(page, state, load) : null);
}

function drawBulkBar(bar, load) {
  const n = state.selected.size;
  bar.hidden = n === 0;
  replace(bar,
    h('span', { id: 'selected-count' }, `${n} selected`),
    h('span', { id: 'selected-total', class: 'muted' }, totals([...state.selected.values()])),
    h('button', { type: 'button', class: 'primary', id: 'bulk-change', onclick: () => bulkChange(load) }, 'Change status…'),
    h('button', { type: 'button', id: 'payment-file', onclick: () => paymentFileDialog([...state.selected.keys()], () => { state.selected.clear(); load(); }) }, 'Payment file…'),
    h('button', { type: 'button', class: 'link', onclick: () => { state.selected.clear(); load(); } }, 'Clear selection'));
}

/**
 * What the selected payouts add up to, per currency ("37.50 EUR · 1200 JPY"): each amount's
 * minor units summed, written with as many decimals as the currency's amounts have.
 */
function totals(amounts) {
  const sums = new Map();
  for (const a of amounts) {
    const places = a.text.split('.')[1]?.length ?? 0;
    const sum = sums.get(a.currency) ?? { minor: 0, places };
    sum.minor += a.minor;
    sums.set(a.currency, sum);
  }
  return [...sums].sort(([x], [y]) => x.localeCompare(y)).map(([currency, { minor, places }]) => {
    const unit = 10 ** places;
    const fraction = places ? `.${String(minor % unit).padStart(places, '0')}` : '';
    return `${Math.floor(minor / unit)}${fraction} ${currency}`;
  }).join(' · ');
}

function table(page, load, selectionChanged) {
  const flip = () => {
    state.sort = state.sort === 'newest_first' ? 'oldest_first' : 'newest_first';
    state.page = 1;
    load();
  };
  const boxes = [];
  let anchor = null;
  const syncHeader = () => {
    const on = boxes.filter((b) => b.checked).length;
    all.checked = on === boxes.length;
    all.indeterminate = on > 0 && on < boxes.length;
  };
  const set = (i, on) => {
    boxes[i].checked = on;
    if (on) state.selected.set(page.items[i].id, page.items[i].amount); else state.selected.delete(page.items[i].id);
  };
  const all = h('input', { type: 'checkbox', id: 'select-page', 'aria-label': 'Select all payouts on this page', onchange: (e) => {
    boxes.forEach((_, i) => set(i, e.target.checked));
    selectionChanged();
  } });
  const rows = page.items.map((p, i) => {
    const box = h('input', { type: 'checkbox', class: 'select', 'aria-label': `Select ${p.number}`, checked: state.selected.has(p.id) });
    box.addEventListener('click', (e) => {
      // Shift-click selects (or clears) the whole range from the last box clicked.
      if (e.shiftKey && anchor !== null) {
        const [a, b] = anchor < i ? [anchor, i] : [i, anchor];
        for (let k = a; k <= b; k += 1) set(k, box.checked);
      } else {
        set(i, box.checked);
      }
      anchor = i;
      syncHeader();
      selectionChanged();
    });
    boxes.push(box);
    const open = () => openDetail(p.id, () => { justChanged = p; load(); });
    const noReference = p.status === 'success' && !p.external_reference;
    return h('tr', { 'data-id': p.id, 'data-number': p.number, class: state.selected.has(p.id) ? 'selected' : null,
      onclick: (e) => { if (!e.target.closest('input, button')) open(); } },
    h('td', { class: 'check' }, box),
    h('td', { class: 'id' }, h('button', { class: 'link open-detail', onclick: open, title: 'Open the detail panel' }, p.number)),
    h('td', { class: 'id request' }, p.request_number),
    h('td', {}, p.username),
    h('td', { class: 'num amount' }, money(p.amount)),
    h('td', {}, h('span', { class: `badge ${p.status}` }, statusLabel(p.status))),
    h('td', { class: 'wrap description' }, p.description),
    h('td', { class: 'id reference' }, p.external_reference
      ?? (noReference ? h('span', { class: 'badge pending', title: 'Paid without an external reference: add one to reconcile it' }, 'No reference') : '—')),
    h('td', { class: 'date', title: when(p.created_at) }, day(p.created_at)));
  });
  syncHeader();
  return h('div', { class: 'table-wrap' },
    h('table', { id: 'payouts-table' },
      h('thead', {}, h('tr', {},
        h('th', { class: 'check' }, all),
        h('th', {}, 'Payout'), h('th', { class: 'request' }, 'Request'), h('th', {}, 'Username'),
        h('th', { class: 'num' }, 'Amount'), h('th', {}, 'Status'), h('th', {}, 'Description'),
        h('th', {}, 'External ref.'),
        h('th', { 'aria-sort': state.sort === 'newest_first' ? 'descending' : 'ascending' },
          h('button', { class: 'link', id: 'sort-created', onclick: flip, title: 'Reverse the order' },
            state.sort === 'newest_first' ? 'Created ↓' : 'Created ↑')))),
      h('tbody', {}, rows)));
}

/** One status move for every selected payout, in one transaction; refused rows are listed. */
function bulkChange(load) {
  const ids = [...state.selected.keys()];
  const newStatus = choose('New status', 'status', STATUSES.map((s) => [s, statusLabel(s)]), { wide: true });
  // Starts on the next move of the selected rows shown, when they all share one.
  const shown = [...document.querySelectorAll('#payouts-table tbody tr[data-id]')]
    .filter((tr) => state.selected.has(Number(tr.dataset.id)))
    .map((tr) => tr.querySelector('.badge')?.classList[1]);
  const next = new Set(shown.map((s) => NEXT_STATUS[s]));
  if (next.size === 1 && [...next][0]) newStatus.querySelector('select').value = [...next][0];
  formDialog({
    title: `Change the status of ${ids.length} payout${ids.length === 1 ? '' : 's'}`,
    name: 'bulk-change',
    submitLabel: 'Apply',
    body: h('div', { class: 'fields' },
      newStatus,
      failureReasonField(newStatus.querySelector('select'), { wide: true, id: 'f-failure_reason' }),
      paymentFields(newStatus.querySelector('select')),
      field('External reference', 'external_reference', { maxlength: 100, autocomplete: 'off', wide: true }, '(optional, e.g. the batch id; set on every moved payout)'),
      field('Note', 'note', { tag: 'textarea', rows: 2, maxlength: 1000, wide: true }, '(kept in the audit trail; required to cancel, to move a Success back to Failed, and for the reason Other)'),
      h('p', { class: 'muted wide' }, 'Payouts whose move is not allowed are left as they are and listed afterwards. To undo, move them back the same way.')),
    onSubmit: async (values) => {
      const outcome = await api.bulkChangeStatus(ids, statusChange(values));
      state.selected.clear();
      load();
      showOutcome(outcome, statusLabel(values.status));
    },
  });
}

export function showOutcome(outcome, status) {
  const dialog = modal('bulk-outcome',
    h('div', { class: 'body' },
      h('h2', {}, 'Status change done'),
      h('p', { id: 'bulk-changed' }, outcome.changed.length
        ? `${outcome.changed.length} moved to ${status}: ${outcome.changed.join(', ')}.`
        : 'No payout was changed.'),
      outcome.skipped.length ? [
        h('p', {}, `${outcome.skipped.length} left as they were:`),
        h('ul', { id: 'bulk-skipped' }, outcome.skipped.map((s) => h('li', {}, h('strong', {}, s.number), ` — ${s.reason}`))),
      ] : null,
      h('div', { class: 'actions' }, h('button', { class: 'primary', onclick: () => dialog.close() }, 'OK'))));
}

function emptyBook() {
  return h('div', { class: 'card guide' },
    h('h2', {}, 'No payouts yet'),
    h('p', {}, 'Incentise keeps the record of the cashback you owe; you pay through PayPal, your bank or Wise, then note it here.'),
    h('ol', {},
      h('li', {}, h('a', { href: '#customers' }, 'Add a customer'), ' and their payment account.'),
      h('li', {}, h('a', { href: '#requests' }, 'Add an incentive request'), ' for them and approve it.'),
      h('li', {}, 'Come back here and choose ', h('strong', {}, 'Add cashback payout'), '.')),
    h('p', {}, 'Or look around first: ', sampleDataButton(), ' fills this book with a few dozen customers, requests and payouts in every status.'));
}
/**
 * Pick an approved request without an open payout, see what the record will hold, confirm;
 * `preset` (a request number) searches for that request and chooses it.
 */
function addPayout(done, preset = '') {
  const key = newKey();
  let chosen = null;
  let previewing = 0;
  const preview = h('div', { id: 'payout-preview' });
  const requests = picker({
    name: 'request_id',
    label: 'Approved request',
    placeholder: 'Search approved requests by number, username or name',
    listId: 'payable-requests',
    value: preset,
    find: (text) => api.listRequests(text, 'payable', { page: 1, page_size: 20 }),
    option: (r) => [{ 'data-request': r.number }, h('span', {}, `${r.number} · ${r.display_name} (${r.username})`), h('strong', {}, money(r.amount))],
    empty: (text) => (text ? 'No approved request matches.' : 'No approved request is waiting for a payout.'),
    onChoose: async (request) => {
      const mine = ++previewing;
      chosen = null;
      submit.disabled = true;
      form.querySelector('.banner').hidden = true;
      replace(preview);
      if (!request) return;
      try {
        const p = await api.payoutPreview(request.id);
        // Another choice (or typing) came since: this answer is not for it.
        if (mine !== previewing) return;
        chosen = request;
        submit.disabled = false;
        replace(preview, previewOf(p));
      } catch (error) {
        if (mine !== previewing) return;
        replace(preview, h('div', { class: 'banner', role: 'alert', id: 'preview-error' }, error.message,
          error.code === 'no_payment_account'
            ? [' ', h('a', { href: '#customers', onclick: () => form.closest('dialog').close() }, 'Go to Customers')]
            : null));
      }
    },
  });
  const { form, submit } = formDialog({
    title: 'Add cashback payout',
    name: 'add-payout',
    submitLabel: 'Create payout record',
    body: [requests.element, preview],
    onSubmit: async (values) => {
      if (!chosen) throw { kind: 'validation', field: 'request_id', message: 'Choose an approved request first.' };
      const payout = await api.createPayout({
        request_id: chosen.id,
        account_id: values.account_id ? Number(values.account_id) : null,
        description: values.description ?? '',
        idempotency_key: key,
      });
      toast(`Payout ${payout.number} created for ${payout.username}: ${money(payout.amount)}.`);
      justChanged = payout;
      done();
    },
  });
  submit.disabled = true;
  requests.refresh().then((found) => {
    // A request asked for by number is chosen at once.
    if (found?.length === 1 && found[0].number === preset) requests.element.querySelector('[role=option]').click();
  });
  requests.search.focus();
}

function previewOf(p) {
  const r = p.request;
  return [
    h('dl', { class: 'summary' },
      h('dt', {}, 'Request'), h('dd', {}, `${r.number}${r.program ? ` · ${r.program}` : ''}`),
      h('dt', {}, 'Customer'), h('dd', {}, `${r.display_name} (${r.username})`),
      h('dt', {}, 'Amount'), h('dd', { id: 'preview-amount' }, money(r.amount)),
      h('dt', {}, 'Status'), h('dd', {}, 'Pending — you pay outside the app, then update it here')),
    h('fieldset', { class: 'accounts' },
      h('legend', {}, p.accounts.length > 1 ? 'Pay to which account?' : 'Pay to'),
      p.accounts.map((a, i) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'account_id', value: a.id, checked: i === 0 }),
        h('span', {}, a.masked, a.is_default ? h('span', { class: 'muted' }, ' · default') : null)))),
    h('label', {}, 'Description', h('textarea', { name: 'description', rows: 2, maxlength: 1000, placeholder: 'Optional: what this payout is for' })),
  ];
}
