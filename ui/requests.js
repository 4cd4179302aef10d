// Incentive requests: list, search, add, approve, reject, correct and void.

import { api } from './api.js';
import { h, replace, debounce, toast } from './dom.js';
import { modal, formDialog, field, choose } from './dialog.js';
import { money, statusLabel, when, newKey } from './format.js';
import { pager } from './pager.js';
import { picker } from './picker.js';
import { liveList } from './list.js';
import { payRequest, showPayout } from './payouts.js';
import { importDialog } from './record-import.js';

const state = { search: '', filter: 'all', page: 1, page_size: 20 };

/** Opens the Incentive requests screen with `filter` and `search` (as Needs attention does). */
export function openRequests({ filter = 'all', search = '' }) {
  Object.assign(state, { filter, search, page: 1 });
  location.hash = '#requests';
}
let currencies = null;

export async function render(main) {
  const list = h('div', { id: 'request-list' });
  const load = liveList(list, state,
    () => api.listRequests(state.search, state.filter, { page: state.page, page_size: state.page_size }),
    (page) => draw(list, page, load));
  const search = h('input', { type: 'search', id: 'request-search', value: state.search, placeholder: 'Search number, customer or note', 'aria-label': 'Search requests' });
  search.addEventListener('input', debounce(() => { state.search = search.value; state.page = 1; load(); }, 150));
  const filter = h('select', { id: 'request-filter', 'aria-label': 'Status', onchange: (e) => { state.filter = e.target.value; state.page = 1; load(); } },
    [['all', 'All statuses'], ['pending', 'Pending'], ['approved', 'Approved'], ['rejected', 'Rejected'], ['voided', 'Voided'], ['payable', 'Approved, no payout yet']]
      .map(([value, text]) => h('option', { value, selected: value === state.filter }, text)));
  replace(main,
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Incentive requests'),
      h('button', { id: 'manage-programs', onclick: () => programsDialog() }, 'Programs'),
      h('button', { id: 'pay-all-approved', onclick: () => payAllApproved(() => load()) }, 'Pay all approved…'),
      // Imported requests are approved and without a payout: the list shows those.
      h('button', { id: 'import-requests', onclick: () => importDialog('requests', () => { state.filter = filter.value = 'payable'; state.search = search.value = ''; state.page = 1; load(); }) }, 'Import…'),
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
      toast(`${r.number} approved. "Make payout" on its row makes its payout.`);
    } catch (error) {
      toast(error.message);
    }
    load();
  };
  const hint = page.search_hint ? h('p', { class: 'hint-line', id: 'search-hint' }, page.search_hint) : null;
  const searched = state.search.trim() !== '' || state.filter !== 'all';
  replace(list, hint,
    page.total === 0
      ? h('div', { class: 'card empty', id: searched ? 'no-match' : null }, searched ? 'No request matches the search and filter.' : 'No requests here yet.')
      : h('div', { class: 'table-wrap' }, h('table', { id: 'requests-table' },
        h('thead', {}, h('tr', {}, ['Request', 'Customer', 'Program', 'Amount', 'Status', 'Payout', 'Note', 'Created', ''].map((t) => h('th', { class: t === 'Amount' ? 'num' : null }, t)))),
        h('tbody', {}, page.items.map((r) => h('tr', { 'data-request': r.number },
          h('td', { class: 'id' }, r.number),
          h('td', {}, `${r.display_name} (${r.username})`),
          h('td', {}, r.program ?? '—'),
          h('td', { class: 'num' }, money(r.amount)),
          h('td', {}, h('span', { class: `badge ${r.status}` }, statusLabel(r.status))),
          h('td', { class: 'id' }, r.open_payout
            ? h('button', { class: 'link', 'data-action': 'show-payout', title: 'Show this payout', onclick: () => showPayout(r.open_payout) }, r.open_payout)
            : '—'),
          h('td', { class: 'wrap' }, [r.note, r.decision_note, r.void_reason && `Voided: ${r.void_reason}`].filter(Boolean).join(' · ')),
          h('td', {}, when(r.created_at)),
          h('td', {}, [
            r.status === 'pending' ? [
              h('button', { class: 'link', 'data-action': 'approve', onclick: decide(r, 'approve') }, 'Approve'),
              h('button', { class: 'link danger', 'data-action': 'reject', onclick: decide(r, 'reject') }, 'Reject'),
              h('button', { class: 'link', 'data-action': 'edit-request', onclick: () => editRequest(r, () => load()) }, 'Edit'),
            ] : null,
            r.status === 'approved' && !r.open_payout
              ? h('button', { class: 'link', 'data-action': 'make-payout', onclick: () => payRequest(r.number) }, 'Make payout')
              : null,
            (r.status === 'pending' || r.status === 'approved') && !r.open_payout
              ? h('button', { class: 'link', 'data-action': 'correct-amount', onclick: () => correctAmount(r, () => load()) }, 'Correct amount')
              : null,
            r.status === 'approved' && !r.open_payout
              ? h('button', { class: 'link danger', 'data-action': 'void', onclick: () => voidRequest(r, () => load()) }, 'Void')
              : null,
          ])))))),
    pager(page, state, () => load()));
}

/**
 * "Pay all approved": one payout for each approved request without one, to each customer's
 * default payment account, made in one change; the dialog says how many first.
 */
async function payAllApproved(done) {
  const waiting = (await api.listRequests('', 'payable', { page: 1, page_size: 1 })).total;
  const count = waiting.toLocaleString();
  const { submit } = formDialog({
    title: 'Pay all approved requests',
    name: 'pay-all-approved',
    submitLabel: waiting === 1 ? 'Create 1 payout' : `Create ${count} payouts`,
    body: h('div', { class: 'fields' },
      h('p', { class: 'wide', id: 'pay-all-count' }, waiting === 0
        ? 'No approved request is waiting for a payout.'
        : `${count} approved request${waiting === 1 ? ' has' : 's have'} no payout yet. Each gets a Pending payout of its amount, to the customer's default payment account; requests of customers without an account are left as they are.`),
      field('Description', 'description', { maxlength: 1000, wide: true, placeholder: 'Spring cashback', autocomplete: 'off' }, '(optional, on every payout)')),
    onSubmit: async (values) => {
      const paid = await api.payAllApproved(values.description);
      const made = paid.created === 0 ? 'No payout was needed.'
        : `${paid.created.toLocaleString()} payout${paid.created === 1 ? '' : 's'} created (${paid.first}${paid.created > 1 ? ` to ${paid.last}` : ''}).`;
      const left = paid.without_account === 0 ? ''
        : ` ${paid.without_account.toLocaleString()} request${paid.without_account === 1 ? ' was' : 's were'} left: no payment account (${paid.without_account_numbers.join(', ')}${paid.without_account > paid.without_account_numbers.length ? ', …' : ''}).`;
      toast(made + left);
      done();
    },
  });
  submit.disabled = waiting === 0;
}

/** The Add request dialog; with `customer`, for that customer (from their page). */
export async function addRequest(done, customer = null) {
  currencies ??= await api.currencies();
  const programs = await api.listPrograms(false);
  // The currency starts as the book's latest request's, then the chosen customer's latest.
  const latest = await api.listRequests('', 'all', { page: 1, page_size: 1 });
  const usual = latest.items[0]?.amount.currency ?? 'USD';
  const program = choose('Program', 'program_id', [['', 'No program'], ...programs.map((p) => [p.id, p.default_reward ? `${p.name} · ${money(p.default_reward)}` : p.name])], { wide: true });
  // What the user or a program put in the currency is not replaced by the customer's usual.
  let typed = false;
  const customers = picker({
    name: 'customer_id',
    label: 'Customer',
    placeholder: 'Search customers by name, username or e-mail',
    listId: 'customer-choices',
    find: (text) => api.listCustomers(text, { page: 1, page_size: 20 }),
    option: (c) => [{ 'data-username': c.username }, h('span', {}, `${c.display_name} (${c.username})`)],
    empty: (text) => (text ? 'No customer matches.' : 'No customer yet: add one on the Customers screen.'),
    onChoose: async (c) => {
      if (!c) return;
      // Only a hint: without it the currency stays as it is.
      const overview = await api.customerOverview(c.id).catch(() => null);
      const theirs = overview?.requests[0]?.amount.currency;
      if (theirs && !typed) form.querySelector('[name=currency]').value = theirs;
    },
  });
  const key = newKey();
  const { form } = formDialog({
    title: 'Add incentive request',
    name: 'add-request',
    body: h('div', { class: 'fields' },
      customers.element,
      program,
      field('Amount', 'amount', { inputmode: 'decimal', placeholder: '12.50', autocomplete: 'off' }),
      field('Currency', 'currency', { list: 'currency-codes', maxlength: 3, value: usual, autocomplete: 'off' }),
      h('datalist', { id: 'currency-codes' }, currencies.map((c) => h('option', { value: c.code }, c.name))),
      field('Note', 'note', { tag: 'textarea', rows: 2, maxlength: 2000, wide: true }, '(optional)')),
    onSubmit: async (values) => {
      const r = await api.addRequest({ ...values, customer_id: Number(values.customer_id) || 0, program_id: values.program_id ? Number(values.program_id) : null }, key);
      toast(`${r.number} added for ${r.username}: ${money(r.amount)}. Approve it when it is due.`);
      done();
    },
  });
  form.querySelector('[name=currency]').addEventListener('input', () => { typed = true; });
  // A program's default reward fills the amount, which stays editable.
  program.querySelector('select').addEventListener('change', (e) => {
    const chosen = programs.find((p) => String(p.id) === e.target.value);
    if (chosen?.default_reward) {
      form.querySelector('[name=amount]').value = chosen.default_reward.text;
      form.querySelector('[name=currency]').value = chosen.default_reward.currency;
      typed = true;
    }
  });
  if (customer) {
    // From the customer's page: that customer, chosen.
    await customers.pick(customer, customer.username);
    form.querySelector('[name=amount]').focus();
  } else {
    await customers.refresh();
    customers.search.focus();
  }
}

/** The programs: a short list with add, rename/reward and archive. */
async function programsDialog() {
  const list = h('div', { id: 'programs-list' });
  const dialog = modal('programs', h('div', { class: 'body' },
    h('h2', {}, 'Incentive programs'),
    h('p', { class: 'muted' }, 'What a request is paid for. A default reward fills in the amount of a new request.'),
    list,
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'add-program', onclick: () => programDialog(null, draw) }, 'Add program'),
      h('button', { type: 'button', class: 'primary', onclick: () => dialog.close() }, 'Done'))));
  async function draw() {
    const programs = await api.listPrograms(true);
    replace(list, programs.length === 0 ? h('p', { class: 'empty' }, 'No programs yet.') : h('table', { class: 'compact' },
      h('tbody', {}, programs.map((p) => h('tr', { 'data-program': p.name, class: p.archived ? 'archived' : null },
        h('td', {}, p.name, p.archived ? h('span', { class: 'badge' }, ' Archived') : null),
        h('td', { class: 'num' }, p.default_reward ? money(p.default_reward) : '—'),
        h('td', { class: 'muted' }, `${p.request_count} request${p.request_count === 1 ? '' : 's'}`),
        h('td', { class: 'actions-cell' }, p.archived ? null : [
          h('button', { class: 'link', 'data-action': 'edit', onclick: () => programDialog(p, draw) }, 'Edit'),
          h('button', { class: 'link', 'data-action': 'archive', onclick: async () => {
            try { await api.archiveProgram(p.id); toast(`${p.name} archived.`); draw(); } catch (error) { toast(error.message); }
          } }, 'Archive'),
        ]))))));
  }
  await draw();
}

function programDialog(program, done) {
  const key = newKey();
  const { form } = formDialog({
    title: program ? `Edit ${program.name}` : 'Add program',
    name: 'program',
    body: h('div', { class: 'fields' },
      field('Name', 'name', { maxlength: 120, wide: true, value: program?.name ?? '' }),
      field('Default reward', 'default_reward', { inputmode: 'decimal', autocomplete: 'off', value: program?.default_reward?.text ?? '' }, '(optional)'),
      field('Currency', 'currency', { maxlength: 3, autocomplete: 'off', value: program?.default_reward?.currency ?? '' })),
    onSubmit: async (values) => {
      const p = program ? await api.editProgram(program.id, values) : await api.addProgram(values, key);
      toast(`Program ${p.name} saved.`);
      done();
    },
  });
  form.querySelector('[name=name]').focus();
}

/** A pending request's program and note (its amount is corrected on its own, with a reason). */
async function editRequest(request, done) {
  const programs = await api.listPrograms(false);
  const options = programs.map((p) => [p.id, p.name]);
  // An archived program the request was made under stays offered, as it is.
  if (request.program_id && !programs.some((p) => p.id === request.program_id)) {
    options.push([request.program_id, `${request.program} (archived)`]);
  }
  const program = choose('Program', 'program_id', [['', 'No program'], ...options], { wide: true });
  program.querySelector('select').value = request.program_id ?? '';
  const { form } = formDialog({
    title: `Edit ${request.number}`,
    name: 'edit-request',
    body: h('div', { class: 'fields' },
      program,
      field('Note', 'note', { tag: 'textarea', rows: 3, maxlength: 2000, wide: true, value: request.note })),
    onSubmit: async (values) => {
      const edited = await api.editRequest(request.id, { program_id: values.program_id ? Number(values.program_id) : null, note: values.note });
      toast(`${edited.number} saved.`);
      done();
    },
  });
  form.querySelector('[name=note]').focus();
}

/** The amount of a request no payout was made for yet, corrected with a reason. */
function correctAmount(request, done) {
  formDialog({
    title: `Correct the amount of ${request.number}`,
    name: 'correct-amount',
    submitLabel: 'Correct amount',
    body: h('div', { class: 'fields' },
      field(`Amount (${request.amount.currency})`, 'amount', { value: request.amount.text, inputmode: 'decimal', autocomplete: 'off' }),
      field('Reason', 'note', { tag: 'textarea', rows: 3, maxlength: 2000, wide: true }, '(kept in the audit trail)')),
    onSubmit: async (values) => {
      const corrected = await api.correctRequestAmount(request.id, values.amount, values.note);
      toast(`${request.number} is now ${money(corrected.amount)}.`);
      done();
    },
  });
}

/** An approved request no payout stands for, written off with a reason: never paid. */
function voidRequest(request, done) {
  formDialog({
    title: `Void ${request.number}`,
    name: 'void-request',
    submitLabel: 'Void request',
    body: h('div', { class: 'fields' },
      h('p', { class: 'wide' }, `${request.display_name} will never be paid ${money(request.amount)} for this request. It stays in the book, marked Voided.`),
      field('Reason', 'reason', { tag: 'textarea', rows: 3, maxlength: 2000, wide: true }, '(kept in the audit trail)')),
    onSubmit: async (values) => {
      await api.voidRequest(request.id, values.reason);
      toast(`${request.number} voided.`);
      done();
    },
  });
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
