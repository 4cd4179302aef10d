// Incentive requests: list, search, add, approve and reject.

import { api } from './api.js';
import { h, replace, debounce, toast } from './dom.js';
import { formDialog, field, choose } from './dialog.js';
import { money, statusLabel, when } from './format.js';
import { pager } from './pager.js';
import { liveList } from './list.js';

const state = { search: '', filter: 'all', page: 1, page_size: 20 };
let currencies = null;

export async function render(main) {
  const list = h('div', { id: 'request-list' });
  const load = liveList(list, state,
    () => api.listRequests(state.search, state.filter, { page: state.page, page_size: state.page_size }),
    (page) => draw(list, page, load));
  const search = h('input', { type: 'search', id: 'request-search', value: state.search, placeholder: 'Search number, username, name or note', 'aria-label': 'Search requests' });
  search.addEventListener('input', debounce(() => { state.search = search.value; state.page = 1; load(); }, 150));
  const filter = h('select', { id: 'request-filter', 'aria-label': 'Status', onchange: (e) => { state.filter = e.target.value; state.page = 1; load(); } },
    [['all', 'All statuses'], ['pending', 'Pending'], ['approved', 'Approved'], ['rejected', 'Rejected'], ['payable', 'Approved, no payout yet']]
      .map(([value, text]) => h('option', { value, selected: value === state.filter }, text)));
  replace(main,
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Incentive requests'),
      h('button', { class: 'primary', id: 'add-request', onclick: () => addRequest(() => load()) }, 'Add request')),
    h('div', { class: 'toolbar' }, search, filter),
    list);
  await load();
}

function draw(list, page, load) {
  const decide = (r, decision) => async () => {
    if (decision === 'reject') return reject(r, () => load());
    try {
      await api.decideRequest(r.id, 'approve', '');
      toast(`${r.number} approved. It can now get a payout.`);
    } catch (error) {
      toast(error.message);
    }
    load();
  };
  replace(list,
    page.total === 0
      ? h('div', { class: 'card empty' }, 'No requests here yet.')
      : h('div', { class: 'table-wrap' }, h('table', { id: 'requests-table' },
        h('thead', {}, h('tr', {}, ['Request', 'Customer', 'Program', 'Amount', 'Status', 'Payout', 'Note', 'Created', ''].map((t) => h('th', { class: t === 'Amount' ? 'num' : null }, t)))),
        h('tbody', {}, page.items.map((r) => h('tr', { 'data-request': r.number },
          h('td', { class: 'id' }, r.number),
          h('td', {}, `${r.display_name} (${r.username})`),
          h('td', {}, r.program ?? '—'),
          h('td', { class: 'num' }, money(r.amount)),
          h('td', {}, h('span', { class: `badge ${r.status}` }, statusLabel(r.status))),
          h('td', { class: 'id' }, r.open_payout ?? '—'),
          h('td', { class: 'wrap' }, r.decision_note ? `${r.note} ${r.note ? '· ' : ''}${r.decision_note}` : r.note),
          h('td', {}, when(r.created_at)),
          h('td', {}, r.status === 'pending' ? [
            h('button', { class: 'link', 'data-action': 'approve', onclick: decide(r, 'approve') }, 'Approve'),
            h('button', { class: 'link danger', 'data-action': 'reject', onclick: decide(r, 'reject') }, 'Reject'),
          ] : null)))))),
    pager(page, state, () => load()));
}

async function addRequest(done) {
  currencies ??= await api.currencies();
  const customers = await api.listCustomers('', { page: 1, page_size: 200 });
  const { form } = formDialog({
    title: 'Add incentive request',
    name: 'add-request',
    body: h('div', { class: 'fields' },
      choose('Customer', 'customer_id', [['', 'Choose a customer…'], ...customers.items.map((c) => [c.id, `${c.display_name} (${c.username})`])], { wide: true }),
      field('Amount', 'amount', { inputmode: 'decimal', placeholder: '12.50', autocomplete: 'off' }),
      field('Currency', 'currency', { list: 'currency-codes', maxlength: 3, value: 'USD', autocomplete: 'off' }),
      h('datalist', { id: 'currency-codes' }, currencies.map((c) => h('option', { value: c.code }, c.name))),
      field('Note', 'note', { tag: 'textarea', rows: 2, maxlength: 2000, wide: true }, '(optional)')),
    onSubmit: async (values) => {
      const r = await api.addRequest({ ...values, customer_id: Number(values.customer_id) || 0, program_id: null });
      toast(`${r.number} added for ${r.username}: ${money(r.amount)}. Approve it when it is due.`);
      done();
    },
  });
  form.querySelector('[name=customer_id]').focus();
}

function reject(request, done) {
  formDialog({
    title: `Reject ${request.number}`,
    name: 'reject-request',
    submitLabel: 'Reject request',
    body: field('Reason', 'note', { tag: 'textarea', rows: 3, maxlength: 2000, wide: true }, '(kept in the audit trail)'),
    onSubmit: async (values) => {
      await api.decideRequest(request.id, 'reject', values.note);
      toast(`${request.number} rejected.`);
      done();
    },
  });
}
