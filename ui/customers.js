// Customers and their payment accounts (masked; full numbers only through an audited reveal).

import { api } from './api.js';
import { h, replace, debounce } from './dom.js';
import { pager } from './pager.js';
import { liveList } from './list.js';
import { customerDialog } from './customer-form.js';
import { accountDialog } from './account-form.js';
import { openCustomer } from './customer-page.js';
import { sampleDataButton } from './sample.js';
import { importDialog } from './record-import.js';

const state = { search: '', page: 1, page_size: 20 };
/** The customer just added, shown or said hidden on the next draw. */
let justAdded = null;

export async function render(main) {
  const list = h('div', { id: 'customer-list' });
  const load = liveList(list, state,
    () => api.listCustomers(state.search, { page: state.page, page_size: state.page_size }),
    (page, isCurrent) => draw(list, page, isCurrent, load));
  const search = h('input', { type: 'search', id: 'customer-search', value: state.search, placeholder: 'Search username, name or e-mail', 'aria-label': 'Search customers' });
  search.addEventListener('input', debounce(() => { state.search = search.value; state.page = 1; load(); }, 150));
  replace(main,
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Customers'),
      // Imported customers in view: the search that could hide them is cleared.
      h('button', { id: 'import-customers', onclick: () => importDialog('customers', () => { state.search = search.value = ''; state.page = 1; load(); }) }, 'Import from a file…'),
      h('button', { class: 'primary', id: 'add-customer', onclick: () => customerDialog(null, (c) => { justAdded = c; load(); }) }, 'Add customer')),
    h('div', { class: 'toolbar' }, search),
    list);
  await load();
}

async function draw(list, page, isCurrent, load) {
  const accounts = await Promise.all(page.items.map((c) => (c.account_count ? api.customerAccounts(c.id) : [])));
  if (!isCurrent()) return;
  let body;
  if (page.total === 0 && state.search) body = h('div', { class: 'card empty' }, 'No customer matches.');
  else if (page.total === 0) {
    body = h('div', { class: 'card guide' }, h('h2', {}, 'No customers yet'),
      h('p', {}, 'Add the first customer, or load a sample book to see the whole flow.'), sampleDataButton());
  } else {
    body = h('div', { class: 'table-wrap' }, h('table', { id: 'customers-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Customer'), h('th', {}, 'Username'), h('th', {}, 'Name'), h('th', {}, 'E-mail'), h('th', {}, 'Payment accounts'), h('th', {}, ''))),
      h('tbody', {}, page.items.map((c, i) => h('tr', { 'data-username': c.username,
        onclick: (e) => { if (!e.target.closest('button')) openCustomer(c.id, load); } },
      h('td', { class: 'id' }, h('button', { class: 'link open-customer', onclick: () => openCustomer(c.id, load) }, c.number)),
      h('td', {}, c.username),
      h('td', {}, c.display_name),
      h('td', {}, c.email ?? '—'),
      h('td', { class: 'accounts' }, accounts[i].length
        ? accounts[i].map((a) => h('div', {}, a.masked, a.is_default ? h('span', { class: 'muted' }, ' · default') : null))
        : h('span', { class: 'badge failed' }, 'No payment account')),
      h('td', { class: 'actions-cell' },
        h('button', { class: 'link', 'data-action': 'edit-customer', onclick: () => customerDialog(c, load) }, 'Edit'),
        h('button', { class: 'link', 'data-action': 'add-account', onclick: () => accountDialog(c, load) }, 'Add payment account')))))));
  }
  // The customer just added stays in view: on this page, or said hidden with a way to show it.
  const added = justAdded;
  justAdded = null;
  const notice = added && !page.items.some((c) => c.id === added.id)
    ? h('p', { class: 'notice', id: 'hidden-change' }, `${added.number} (${added.username}) is not on this page: the search or the order hides it. `,
      h('button', { class: 'link', id: 'show-changed', onclick: () => {
        state.search = added.username;
        state.page = 1;
        document.getElementById('customer-search').value = added.username;
        justAdded = added;
        load();
      } }, `Show ${added.username}`))
    : null;
  replace(list, notice, body, page.total ? pager(page, state, load) : null);
}
