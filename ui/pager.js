// The page controls under every list: "21–40 of 1,234", rows per page, first/previous/next/last.

import { h } from './dom.js';
import { range } from './format.js';

export const PAGE_SIZES = [5, 10, 20, 50];

export const lastPageOf = (page, pageSize) => Math.max(1, Math.ceil(page.total / pageSize));

/** `state` holds `page` and `page_size`; `reload` draws the list again after a change. */
export function pager(page, state, reload) {
  const lastPage = lastPageOf(page, state.page_size);
  const go = (n) => () => { state.page = n; reload(); };
  const size = h('select', { class: 'page-size', 'aria-label': 'Rows per page', onchange: (e) => {
    state.page_size = Number(e.target.value);
    state.page = 1;
    reload();
  } }, PAGE_SIZES.map((n) => h('option', { value: n, selected: n === state.page_size }, `${n} per page`)));
  const atStart = state.page <= 1;
  const atEnd = state.page >= lastPage;
  return h('div', { class: 'pager' },
    h('span', { class: 'range' }, range(page)),
    size,
    h('button', { onclick: go(1), disabled: atStart, 'aria-label': 'First page', 'data-page': 'first' }, '«'),
    h('button', { onclick: go(state.page - 1), disabled: atStart, 'aria-label': 'Previous page', 'data-page': 'previous' }, '‹'),
    h('span', { class: 'page-of' }, `Page ${state.page} of ${lastPage}`),
    h('button', { onclick: go(state.page + 1), disabled: atEnd, 'aria-label': 'Next page', 'data-page': 'next' }, '›'),
    h('button', { onclick: go(lastPage), disabled: atEnd, 'aria-label': 'Last page', 'data-page': 'last' }, '»'));
}
