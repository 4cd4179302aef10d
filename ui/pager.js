// The page controls under every list: "21–40 of 1,234", rows per page, first/previous/next/last.
// A list whose state has a `cursor` (the payouts) is paged by keyset: next is "the rows after the
// last one shown", previous "the rows before the first", last "the end", so every page is as
// quick as the first; the page number only labels it.

import { h } from './dom.js';
import { range } from './format.js';

export const PAGE_SIZES = [5, 10, 20, 50];

export const lastPageOf = (page, pageSize) => Math.max(1, Math.ceil(page.total / pageSize));

/** `state` holds `page` and `page_size`; `reload` draws the list again after a change. */
export function pager(page, state, reload) {
  const lastPage = lastPageOf(page, state.page_size);
  const keyset = 'cursor' in state;
  const { items } = page;
  const cursorTo = (n) => {
    if (n === state.page + 1 && items.length) return { after: items[items.length - 1].id };
    if (n === state.page - 1 && items.length) return { before: items[0].id };
    return n === 1 ? null : 'end';
  };
  const go = (n) => () => {
    if (keyset) state.cursor = cursorTo(n);
    state.page = n;
    reload();
  };
  const size = h('select', { class: 'page-size', 'aria-label': 'Rows per page', onchange: (e) => {
    state.page_size = Number(e.target.value);
    state.page = 1;
    reload();
  } }, PAGE_SIZES.map((n) => h('option', { value: n, selected: n === state.page_size }, `${n} per page`)));
  const atStart = state.page <= 1;
  // A total past the ledger's count cap is a lower bound: there is no known last page.
  const exact = page.total_exact !== false;
  const atEnd = exact ? state.page >= lastPage : page.items.length < state.page_size;
  return h('div', { class: 'pager' },
    h('span', { class: 'range' }, range(page)),
    size,
    h('button', { onclick: go(1), disabled: atStart, 'aria-label': 'First page', 'data-page': 'first' }, '«'),
    h('button', { onclick: go(state.page - 1), disabled: atStart, 'aria-label': 'Previous page', 'data-page': 'previous' }, '‹'),
    h('span', { class: 'page-of' }, exact ? `Page ${state.page} of ${lastPage}` : `Page ${state.page}`),
    h('button', { onclick: go(state.page + 1), disabled: atEnd, 'aria-label': 'Next page', 'data-page': 'next' }, '›'),
    h('button', { onclick: go(lastPage), disabled: atEnd || !exact, 'aria-label': 'Last page', 'data-page': 'last' }, '»'));
}
