// The audit log: every change to the book, newest first; narrowed to a record (type its
// number), a kind of record, a source, days or words; and the check that the chain of event
// hashes is intact (long work: progress and Cancel).

import { api } from './api.js';
import { h, replace, debounce, dateFilter } from './dom.js';
import { pager } from './pager.js';
import { liveList } from './list.js';
import { when } from './format.js';
import { actionLabel, changeList } from './changes.js';
import { withProgress } from './progress.js';

const state = { search: '', entity: '', source: '', from: '', to: '', page: 1, page_size: 20 };

const ENTITIES = [['', 'Every record'], ['payout', 'Payouts'], ['request', 'Requests'], ['customer', 'Customers'],
  ['payment_account', 'Payment accounts'], ['program', 'Programs'], ['payment_run', 'Payment runs'], ['book', 'The book']];
const SOURCES = [['', 'Every source'], ['manual', 'By hand'], ['bulk', 'Bulk'], ['import', 'Statement import'], ['system', 'System']];
const PREFIXES = { payout: 'PO', request: 'IR', customer: 'CU', payment_account: 'PA', program: 'PG', payment_run: 'RUN' };

/** "PO-000012", "PA-000003", "RUN-000001", "Book". */
function recordOf(e) {
  if (e.entity_id === null) return e.entity === 'book' ? 'Book' : e.entity;
  const prefix = PREFIXES[e.entity];
  return prefix ? `${prefix}-${String(e.entity_id).padStart(6, '0')}` : `${e.entity.replaceAll('_', ' ')} ${e.entity_id}`;
}

export async function render(main) {
  const list = h('div', { id: 'audit-list' });
  const load = liveList(list, state, () => api.auditLog({
    search: state.search,
    entity: state.entity || null,
    source: state.source || null,
    from: state.from,
    to: state.to,
    page: state.page,
    page_size: state.page_size,
  }), (page) => draw(list, page, load));
  const refilter = () => { state.page = 1; load(); };
  const search = h('input', { type: 'search', id: 'audit-search', value: state.search, placeholder: 'Record number (PO-000012) or words', 'aria-label': 'Search the audit log' });
  search.addEventListener('input', debounce(() => { state.search = search.value; refilter(); }, 200));
  const choose = (id, label, options, key) => h('select', { id, 'aria-label': label, onchange: (e) => { state[key] = e.target.value; refilter(); } },
    options.map(([value, text]) => h('option', { value, selected: state[key] === value }, text)));
  const date = (id, label, key) => dateFilter({ id, 'aria-label': label, value: state[key], onchange: (e) => { state[key] = e.target.value; refilter(); } });
  const verdict = h('div', { class: 'result', id: 'verify-result', role: 'status' });
  replace(main,
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Audit log'),
      h('button', { id: 'verify-chain', onclick: (e) => verify(e.target, verdict) }, 'Verify integrity')),
    verdict,
    h('div', { class: 'toolbar' }, search,
      choose('audit-entity', 'Kind of record', ENTITIES, 'entity'),
      choose('audit-source', 'Source', SOURCES, 'source'),
      date('audit-from', 'From', 'from'), date('audit-to', 'To', 'to')),
    list);
  await load();
}

function draw(list, page, load) {
  const body = page.items.length
    ? h('div', { class: 'table-wrap' }, h('table', { id: 'audit-table' },
      h('thead', {}, h('tr', {}, ['#', 'When', 'Who', 'Record', 'What', 'Changes'].map((t) => h('th', {}, t)))),
      h('tbody', {}, page.items.map((e) => h('tr', { 'data-seq': e.seq },
        h('td', { class: 'id' }, e.seq),
        h('td', {}, when(e.at)),
        h('td', {}, e.actor, e.source !== 'manual' ? h('span', { class: 'badge source' }, e.source) : null),
        h('td', { class: 'id' }, recordOf(e)),
        h('td', {}, actionLabel(e.action)),
        h('td', { class: 'wrap' }, changeList(e.changes), e.note ? h('p', { class: 'muted small' }, e.note) : null))))))
    : h('div', { class: 'card empty' }, 'No event matches.');
  const hint = page.search_hint ? h('p', { class: 'hint-line', id: 'audit-search-hint' }, page.search_hint) : null;
  replace(list, hint, body, page.total ? pager(page, state, load) : null);
}

const quoted = (value) => (value === null ? 'nothing' : JSON.stringify(value));

/** What the check found, one paragraph per finding, problems first. */
function findings({ storage, chain, state }) {
  const wrong = [];
  const notes = [];
  const n = (x) => x.toLocaleString();
  if (storage.length) wrong.push(`The file is damaged: ${storage.join('; ')}.`);
  if (chain.first_bad_seq !== null) {
    wrong.push(`Event ${n(chain.first_bad_seq)} does not match the chain: the book was changed outside the app from there on. The ${n(chain.events)} events before it are intact.`);
  }
  const anchor = chain.anchor;
  if (anchor?.verdict === 'cut_off') {
    wrong.push(`The trail ends at event ${n(chain.events)}, but on ${when(anchor.anchor.at)} it reached event ${n(anchor.anchor.seq)}: events were removed.`);
  } else if (anchor?.verdict === 'rewritten') {
    wrong.push(`Event ${n(anchor.anchor.seq)} is not the one written down on ${when(anchor.anchor.at)}: the trail was rewritten.`);
  }
  for (const d of state?.differences ?? []) {
    wrong.push(d.field === 'record'
      ? (d.stored === null ? `${d.record} was deleted behind the app's back.` : `${d.record} was added behind the app's back: no event made it.`)
      : `${d.record}, ${d.field}: the book says ${quoted(d.stored)}, its history ${quoted(d.history)}.`);
  }
  const more = (state?.total_differences ?? 0) - (state?.differences.length ?? 0);
  if (more > 0) wrong.push(`And ${n(more)} more differences between records and their history.`);
  for (const run of chain.unchecked) {
    notes.push(`Events ${n(run.from_seq)}–${n(run.to_seq)} were sealed with a key that is not on this computer: they link to each other, but their seals cannot be checked here.`);
  }
  return { wrong, notes };
}

/** Checks the whole book, showing the events checked so far with Cancel. */
async function verify(button, verdict) {
  try {
    const report = await withProgress(button, verdict, () => api.verifyBook(), { label: 'Checking…', unit: 'events' });
    const { wrong, notes } = findings(report);
    const said = notes.map((note) => h('p', { class: 'muted' }, note));
    replace(verdict, wrong.length
      ? h('div', { class: 'banner', role: 'alert' },
        h('p', {}, 'The book was changed outside the app. Keep this copy and compare it with a backup.'),
        h('ul', {}, wrong.slice(0, 20).map((line) => h('li', {}, line))))
      : h('p', { class: 'ok' }, `All ${report.chain.events.toLocaleString()} events are intact: none was changed, removed or inserted since it was written. The ${report.state.records.toLocaleString()} records agree with their history.`),
    said);
  } catch (error) {
    replace(verdict, error.kind === 'cancelled'
      ? h('p', { class: 'muted' }, 'Check cancelled before the last event.')
      : h('div', { class: 'banner', role: 'alert' }, error.message));
  }
}
