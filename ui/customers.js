// Customers and their payment accounts (masked; full numbers never reach this screen).

import { api } from './api.js';
import { h, replace, debounce, toast } from './dom.js';
import { formDialog, field, choose } from './dialog.js';
import { pager } from './pager.js';
import { liveList } from './list.js';

const state = { search: '', page: 1, page_size: 20 };

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
      h('button', { class: 'primary', id: 'add-customer', onclick: () => addCustomer(() => load()) }, 'Add customer')),
    h('div', { class: 'toolbar' }, search),
    list);
  await load();
}

async function draw(list, page, isCurrent, load) {
  const accounts = await Promise.all(page.items.map((c) => (c.account_count ? api.customerAccounts(c.id) : [])));
  if (!isCurrent()) return;
  replace(list,
    page.total === 0
      ? h('div', { class: 'card empty' }, state.search ? 'No customer matches.' : 'No customers yet. Add the first one.')
      : h('div', { class: 'table-wrap' }, h('table', { id: 'customers-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Customer'), h('th', {}, 'Username'), h('th', {}, 'Name'), h('th', {}, 'E-mail'), h('th', {}, 'Payment accounts'), h('th', {}, ''))),
        h('tbody', {}, page.items.map((c, i) => h('tr', { 'data-username': c.username },
          h('td', { class: 'id' }, c.number),
          h('td', {}, c.username),
          h('td', {}, c.display_name),
          h('td', {}, c.email ?? '—'),
          h('td', { class: 'accounts' }, accounts[i].length
            ? accounts[i].map((a) => h('div', {}, a.masked, a.is_default ? h('span', { class: 'muted' }, ' · default') : null))
            : h('span', { class: 'badge failed' }, 'No payment account')),
          h('td', {}, h('button', { class: 'link', 'data-action': 'add-account', onclick: () => addAccount(c, () => load()) }, 'Add payment account'))))))),
    pager(page, state, () => load()));
}

function addCustomer(done) {
  const { form } = formDialog({
    title: 'Add customer',
    name: 'add-customer',
    body: h('div', { class: 'fields' },
      field('Username', 'username', { required: true, maxlength: 64, autocomplete: 'off' }),
      field('Name', 'display_name', { required: true, maxlength: 200 }),
      field('E-mail', 'email', { type: 'email', maxlength: 254, wide: true }, '(optional)')),
    onSubmit: async (values) => {
      const c = await api.addCustomer(values);
      toast(`Customer ${c.username} added. Add a payment account next.`);
      done();
    },
  });
  form.querySelector('[name=username]').focus();
}

const BANK_FIELDS = () => [
  field('Account holder', 'holder_name', { maxlength: 140, wide: true }),
  field('Bank name', 'bank_name', { maxlength: 140 }),
  field('Country', 'country', { maxlength: 2, placeholder: 'DE' }, '(2 letters)'),
  field('IBAN', 'iban', { maxlength: 42, autocomplete: 'off', wide: true }),
  field('Account number', 'account_number', { maxlength: 34, autocomplete: 'off' }),
  field('Routing number', 'routing_number', { maxlength: 11, autocomplete: 'off' }, '(US)'),
  field('SWIFT/BIC', 'bic', { maxlength: 14, autocomplete: 'off' }),
];

const DIGITAL_FIELDS = () => [
  choose('Provider', 'provider', [['paypal', 'PayPal'], ['wise', 'Wise'], ['venmo', 'Venmo'], ['cash_app', 'Cash App'], ['other', 'Other']]),
  choose('Handle type', 'handle_kind', [['email', 'E-mail'], ['phone', 'Phone'], ['username', 'Username']]),
  field('Handle', 'handle', { maxlength: 254, autocomplete: 'off', wide: true }),
];

function addAccount(customer, done) {
  const kind = choose('Kind', 'kind', [['bank', 'Bank account'], ['digital', 'Digital wallet']], { wide: true });
  const specific = h('div', { class: 'fields wide' }, BANK_FIELDS());
  kind.querySelector('select').addEventListener('change', (e) => {
    replace(specific, e.target.value === 'bank' ? BANK_FIELDS() : DIGITAL_FIELDS());
  });
  formDialog({
    title: `Payment account for ${customer.display_name}`,
    name: 'add-account',
    body: h('div', { class: 'fields' }, kind, specific),
    onSubmit: async (values) => {
      const a = await api.addPaymentAccount(customer.id, values);
      toast(`Account ${a.masked} added${a.is_default ? ' as the default' : ''}.`);
      done();
    },
  });
  kind.querySelector('select').focus();
}
