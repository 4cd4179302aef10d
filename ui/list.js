// The loading loop every list screen shares: fetch a page for the current state, draw it, and
// never let an older answer overwrite a newer one (the user may type faster than the book
// answers). An error replaces the list with a banner.

import { h, replace } from './dom.js';
import { lastPageOf } from './pager.js';

/**
 * Returns `load()`, which calls `fetchPage(isCurrent)` and then `draw(page, isCurrent)`. Both may
 * await more data and should stop when `isCurrent()` turns false. A page past the end (rows were
 * removed, or the page size grew) moves `state.page` to the last page and loads again.
 */
export function liveList(container, state, fetchPage, draw) {
  let generation = 0;
  return async function load() {
    const mine = ++generation;
    const isCurrent = () => mine === generation;
    let page;
    try {
      page = await fetchPage(isCurrent);
    } catch (error) {
      if (isCurrent()) replace(container, h('div', { class: 'banner', role: 'alert' }, error.message));
      return;
    }
    if (!isCurrent()) return;
    const lastPage = lastPageOf(page, state.page_size);
    if (page.total_exact !== false && state.page > lastPage) {
      state.page = lastPage;
      if ('cursor' in state) state.cursor = 'end';
      return load();
    }
    await draw(page, isCurrent);
  };
}
