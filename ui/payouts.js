// Payouts: the paged list (newest first by default) and the "Add cashback payout" flow.

import { api } from './api.js';
import { h, replace, debounce, toast } from './dom.js';
import { formDialog } from './dialog.js';
import { money, statusLabel, when, newKey } from './format.js';
import { pager, lastPageOf } from './pager.js';

const state = { page: 1, page_size: 10, sort: 'newest_first' };
/** Only the newest answer is drawn: an older one arriving late is dropped. */
let generation = 0;

export async function render(main) {
  const list = h('div', { id: 'payout-list' });
  replace(main,
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Payouts'),
      h('button', { class: 'primary', id: 'add-payout', onclick: () => addPayout(() => load(list)) }, 'Add cashback payout')),
    list);
  await load(list);
}

async function load(list) {
  const mine = ++generation;
  let page;
  try {
    page = await api.listPayouts({ page: state.page, page_size: state.page_size, sort: state.sort });
  } catch (error) {
    replace(list, h('div', { class: 'banner', role: 'alert' }, error.message));
    return;
  }
  if (mine !== generation) return;
  const lastPage = lastPageOf(page, state.page_size);
  if (state.page > lastPage) {
    state.page = lastPage;
    return load(list);
  }
  replace(list, page.total === 0 ? emptyBook() : table(page, list), pager(page, state, () => load(list)));
}

function table(page, list) {
  const sortLabel = state.sort === 'newest_first' ? 'Created ↓' : 'Created ↑';
  const flip = () => {
    state.sort = state.sort === 'newest_first' ? 'oldest_first' : 'newest_first';
    state.page = 1;
    load(list);
  };
  return h('div', { class: 'table-wrap' },
    h('table', { id: 'payouts-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'Payout'), h('th', {}, 'Request'), h('th', {}, 'Username'),
        h('th', { class: 'num' }, 'Amount'), h('th', {}, 'Status'), h('th', {}, 'Description'),
        h('th', {}, 'External ref.'),
        h('th', { 'aria-sort': state.sort === 'newest_first' ? 'descending' : 'ascending' },
          h('button', { class: 'link', id: 'sort-created', onclick: flip, title: 'Reverse the order' }, sortLabel)))),
      h('tbody', {}, page.items.map((p) => h('tr', { 'data-id': p.id },
        h('td', { class: 'id' }, p.number),
        h('td', { class: 'id' }, p.request_number),
        h('td', {}, p.username),
        h('td', { class: 'num' }, money(p.amount)),
        h('td', {}, h('span', { class: `badge ${p.status}` }, statusLabel(p.status))),
        h('td', { class: 'wrap' }, p.description),
        h('td', { class: 'id' }, p.external_reference ?? '—'),
        h('td', {}, when(p.created_at)))))));
}

function emptyBook() {
  return h('div', { class: 'card guide' },
    h('h2', {}, 'No payouts yet'),
    h('p', {}, 'Incentise keeps the record of the cashback you owe; you pay through PayPal, your bank or Wise, then note it here.'),
    h('ol', {},
      h('li', {}, h('a', { href: '#customers' }, 'Add a customer'), ' and their payment account.'),
      h('li', {}, h('a', { href: '#requests' }, 'Add an incentive request'), ' for them and approve it.'),
      h('li', {}, 'Come back here and choose ', h('strong', {}, 'Add cashback payout'), '.')));
}

/** Pick an approved request without an open payout, see what the record will hold, confirm. */
function addPayout(done) {
  const key = newKey();
  let chosen = null;
  const results = h('div', { class: 'results', id: 'payable-requests', role: 'listbox', 'aria-label': 'Approved requests' });
  const preview = h('div', { id: 'payout-preview' });
  const search = h('input', { type: 'search', name: 'search', placeholder: 'Search approved requests by number, username or name', 'aria-label': 'Search approved requests', autocomplete: 'off' });
  const { form, submit } = formDialog({
    title: 'Add cashback payout',
    name: 'add-payout',
    submitLabel: 'Create payout record',
    body: [search, results, preview],
    onSubmit: async (values) => {
      if (!chosen) throw { kind: 'validation', field: 'search', message: 'Choose an approved request first.' };
      const payout = await api.createPayout({
        request_id: chosen.id,
        account_id: values.account_id ? Number(values.account_id) : null,
        description: values.description ?? '',
        idempotency_key: key,
      });
      toast(`Payout ${payout.number} created for ${payout.username}: ${money(payout.amount)}.`);
      done();
    },
  });
  submit.disabled = true;

  const choose = async (request, button) => {
    results.querySelectorAll('[aria-pressed]').forEach((b) => b.setAttribute('aria-pressed', 'false'));
    button.setAttribute('aria-pressed', 'true');
    chosen = null;
    submit.disabled = true;
    form.querySelector('.banner').hidden = true;
    try {
      const p = await api.payoutPreview(request.id);
      chosen = request;
      submit.disabled = false;
      replace(preview, previewOf(p));
    } catch (error) {
      replace(preview, h('div', { class: 'banner', role: 'alert', id: 'preview-error' }, error.message,
        error.kind === 'precondition' && /payment account/.test(error.message)
          ? [' ', h('a', { href: '#customers', onclick: () => form.closest('dialog').close() }, 'Go to Customers')]
          : null));
    }
  };

  const find = async () => {
    const page = await api.listRequests(search.value, 'payable', { page: 1, page_size: 20 });
    replace(results, page.items.length === 0
      ? h('p', { class: 'empty' }, search.value ? 'No approved request matches.' : 'No approved request is waiting for a payout.')
      : page.items.map((r) => {
        const button = h('button', { type: 'button', role: 'option', 'aria-pressed': 'false', 'data-request': r.number },
          h('span', {}, `${r.number} · ${r.display_name} (${r.username})`), h('strong', {}, money(r.amount)));
        button.addEventListener('click', () => choose(r, button));
        return button;
      }));
  };
  search.addEventListener('input', debounce(find, 150));
  find();
  search.focus();
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
