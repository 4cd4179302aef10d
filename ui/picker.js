// A picker that searches as you type, whatever the number of records: a search field and the
// first matches the ledger's own search finds, with a line that says how many there are. ↓ and
// ↑ move between the field and the options, Enter (or a click) chooses one; Enter in the field
// chooses the first match of what the field says now. The chosen record's id goes with the
// form under `name`.

import { h, replace, debounce } from './dom.js';

/**
 * `find(text)` answers `{ items, total }` (the page of a list command); `option(record)` gives
 * an option's attributes and content as `[attrs, ...children]`; `onChoose(record)` hears every
 * choice, and `null` when typing in the field drops it. `empty(text)` says what no match means.
 */
export function picker({ name, label, placeholder, find, option, onChoose = () => {}, empty, listId, value = '' }) {
  const chosen = h('input', { type: 'hidden', name });
  const search = h('input', {
    type: 'search', value, placeholder, 'aria-label': label, autocomplete: 'off', id: `f-${name}`,
    role: 'combobox', 'aria-expanded': 'true', 'aria-controls': listId, 'aria-autocomplete': 'list',
  });
  const list = h('div', { class: 'results', id: listId, role: 'listbox', 'aria-label': label });
  const status = h('p', { class: 'muted small picker-status', role: 'status' });
  const options = () => [...list.querySelectorAll('[role=option]')];
  let asked = 0;

  const choose = (record, button) => {
    options().forEach((b) => b.setAttribute('aria-selected', 'false'));
    button.setAttribute('aria-selected', 'true');
    chosen.value = String(record.id);
    return onChoose(record);
  };

  const show = ({ items, total }) => {
    const hadFocus = list.contains(document.activeElement);
    replace(list, items.map((record) => {
      const [attrs, ...content] = option(record);
      const selected = chosen.value === String(record.id);
      const button = h('button', { type: 'button', role: 'option', 'aria-selected': String(selected), tabindex: '-1', ...attrs }, ...content);
      button.addEventListener('click', () => choose(record, button));
      return button;
    }));
    status.textContent = items.length === 0 ? empty(search.value.trim())
      : total > items.length ? `The first ${items.length} of ${total.toLocaleString()}: type more to narrow them.`
        : `${items.length} found.`;
    // An option that had the focus is gone: the focus goes on in the list, or back to the field.
    if (hadFocus) (options()[0] ?? search).focus();
  };

  /** Shows the records that match the field now; answers them (null when a later search won). */
  const refresh = async () => {
    const asking = ++asked;
    const page = await find(search.value.trim());
    if (asking !== asked) return null; // a later keystroke's answer is on its way
    show(page);
    return page.items;
  };

  /** Chooses `record` as if found and clicked, without a search. */
  const pick = (record, text) => {
    search.value = text;
    show({ items: [record], total: 1 });
    return choose(record, list.querySelector('[role=option]'));
  };

  // Typing asks for another record: the one chosen is dropped until one is chosen again.
  search.addEventListener('input', () => {
    if (!chosen.value) return;
    chosen.value = '';
    onChoose(null);
  });
  search.addEventListener('input', debounce(refresh, 150));
  search.addEventListener('keydown', async (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      options()[0]?.focus();
    } else if (e.key === 'Enter' && !chosen.value) {
      // Enter picks the first match of what the field says now, never of a list drawn for
      // fewer letters; with nothing chosen it does not send the form.
      e.preventDefault();
      const found = await refresh();
      if (found?.length) options()[0].click();
    }
  });
  list.addEventListener('keydown', (e) => {
    const all = options();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    if (to < 0) search.focus();
    else all[Math.min(to, all.length - 1)].focus();
  });

  const element = h('div', { class: 'field wide picker' }, h('span', { class: 'label' }, label), search, list, status, chosen);
  return { element, search, refresh, pick };
}
