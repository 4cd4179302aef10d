// A customer's page (a side panel): details, payment accounts with reveal, edit, default and
// archive, and their requests and payouts.

import { api } from './api.js';
import { openDrawer } from './drawer.js';
import { h, replace, copy, toast } from './dom.js';
import { formDialog } from './dialog.js';
import { money, statusLabel, when } from './format.js';
import { accountDialog } from './account-form.js';
import { customerDialog } from './customer-form.js';
import { openDetail } from './payout-detail.js';
import { addRequest } from './requests.js';

/** Opens the page of customer `id`; `changed()` is called after every change it saves. */
export function openCustomer(id, changed) {
  return openDrawer({ name: 'customer-page', label: 'Customer', load: () => api.customerOverview(id), draw, changed });
}

function draw(body, o, dialog, saved) {
  const c = o.customer;
  replace(body,
    h('div', { class: 'drawer-head' },
      h('h2', {}, c.display_name),
      h('button', { class: 'link', 'aria-label': 'Close', onclick: () => dialog.close() }, '✕')),
    h('dl', { class: 'summary' },
      h('dt', {}, 'Customer'), h('dd', { class: 'id' }, c.number),
      h('dt', {}, 'Username'), h('dd', {}, c.username),
      h('dt', {}, 'E-mail'), h('dd', {}, c.email ?? '—'),
      h('dt', {}, 'Since'), h('dd', {}, when(c.created_at))),
    h('div', { class: 'actions left' },
      h('button', { type: 'button', id: 'edit-customer', onclick: () => customerDialog(c, saved) }, 'Edit customer'),
      h('button', { type: 'button', id: 'add-account', onclick: () => accountDialog(c, saved) }, 'Add payment account'),
      h('button', { type: 'button', id: 'add-customer-request', onclick: () => addRequest(saved, c) }, 'Add request')),
    o.totals.length ? section('Owed and paid', h('table', { class: 'compact', id: 'customer-totals' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { class: 'num' }, 'Approved, no payout'), h('th', { class: 'num' }, 'Pending'),
        h('th', { class: 'num' }, 'On Process'), h('th', { class: 'num' }, 'Paid'))),
      h('tbody', {}, o.totals.map((t) => h('tr', { 'data-currency': t.currency },
        h('th', {}, t.currency),
        [t.approved_unpaid, t.pending, t.on_process, t.paid].map((m) => h('td', { class: 'num' }, m.text))))))) : null,
    section('Payment accounts', o.accounts.length
      ? h('ul', { class: 'accounts-list', id: 'customer-accounts' }, o.accounts.map((a) => account(c, a, saved)))
      : h('p', { class: 'muted' }, 'No payment account yet: a payout needs one.')),
    section('Incentive requests', o.requests.length ? h('table', { class: 'compact', id: 'customer-requests' },
      h('tbody', {}, o.requests.map((r) => h('tr', {},
        h('td', { class: 'id' }, r.number),
        h('td', {}, r.program ?? '—'),
        h('td', { class: 'num' }, money(r.amount)),
        h('td', {}, h('span', { class: `badge ${r.status}` }, statusLabel(r.status))),
        h('td', { class: 'id' }, r.open_payout ?? '')))))
      : h('p', { class: 'muted' }, 'No requests yet.')),
    section('Payouts', o.payouts.length ? h('table', { class: 'compact', id: 'customer-payouts' },
      h('tbody', {}, o.payouts.map((p) => h('tr', {},
        h('td', { class: 'id' }, h('button', { class: 'link', onclick: () => openDetail(p.id, saved) }, p.number)),
        h('td', { class: 'num' }, money(p.amount)),
        h('td', {}, h('span', { class: `badge ${p.status}` }, statusLabel(p.status))),
        h('td', { class: 'id' }, p.external_reference ?? '—')))))
      : h('p', { class: 'muted' }, 'No payouts yet.')),
    o.statement_names.length ? section('Names on statements',
      h('p', { class: 'muted small' }, 'Remembered from lines you confirmed for this customer: later lines from these names are suggested for their payouts.'),
      h('ul', { id: 'statement-names' }, o.statement_names.map((n) => h('li', {}, n.name, ' ',
        h('button', { type: 'button', class: 'link', 'data-action': 'forget-name', onclick: async () => {
          try {
            await api.forgetStatementName(c.id, n.name_key);
            toast(`${n.name} forgotten.`);
            saved();
          } catch (error) { toast(error.message); }
        } }, 'Forget'))))) : null);
}

const section = (title, ...content) => h('section', { class: 'drawer-section' }, h('h3', {}, title), content);

function account(customer, a, saved) {
  const details = h('dl', { class: 'summary small', hidden: true });
  const act = (label, action, run) => h('button', { type: 'button', class: 'link', 'data-action': action, onclick: async () => {
    try { await run(); } catch (error) { toast(error.message); }
  } }, label);
  return h('li', { 'data-account': a.number, class: a.archived ? 'archived' : null },
    h('div', { class: 'account-line' },
      h('span', { class: 'masked' }, a.masked),
      a.is_default ? h('span', { class: 'badge success' }, 'Default') : null,
      a.archived ? h('span', { class: 'badge' }, 'Archived') : null),
    h('div', { class: 'account-actions' },
      act('Reveal', 'reveal', async () => {
        const fields = await api.revealPaymentAccount(a.id);
        replace(details, fields.map((f) => [h('dt', {}, f.label), h('dd', { 'data-field': f.key }, f.value, ' ',
          h('button', { type: 'button', class: 'link copy', onclick: () => copy(f.value, f.label) }, 'Copy'))]));
        details.hidden = false;
        toast('Shown in full. The reveal is recorded in the audit trail.');
      }),
      a.archived ? null : [
        act('Edit', 'edit', async () => accountDialog(customer, saved, a, await api.revealPaymentAccount(a.id))),
        a.is_default ? null : act('Make default', 'default', async () => {
          await api.setDefaultAccount(a.id);
          toast(`${a.number} is now the default account.`);
          await saved();
        }),
        act('Archive', 'archive', async () => confirmArchive(a, saved)),
      ]),
    details);
}

function confirmArchive(a, saved) {
  formDialog({
    title: `Archive ${a.number}?`,
    name: 'archive-account',
    submitLabel: 'Archive account',
    body: h('p', {}, `${a.masked} will no longer be offered for new payouts. It is kept, and payouts already made to it keep their details.`),
    onSubmit: async () => {
      await api.archivePaymentAccount(a.id);
      toast(`${a.number} archived.`);
      await saved();
    },
  });
}
