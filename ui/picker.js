// A picker that searches as you type, whatever the number of records: a search field and the
// first matches the ledger's own search finds. ↓ and ↑ move between the field and the options,
// Enter (or a click) chooses one; Enter in the field chooses the first. The chosen record's id
// goes with the form under `name`.

import { h, replace, debounce } from './dom.js';

/**
 * `find(text)` answers the matching records; `option(record)` gives an option's attributes and
 * content as `[attrs, ...children]`; `onChoose(record)` hears every choice, and `null` when
 * typing in the field drops it. `empty(text)` says what no match means.
 */
export function picker({ name, label, placeholder, find, option, onChoose = () => {}, empty, listId, value = '' }) {
  const chosen = h('input', { type: 'hidden', name, id: `f-${name}` });
  const search = h('input', {
    type: 'search', value, placeholder, 'aria-label': label, autocomplete: 'off',
    role: 'combobox', 'aria-expanded': 'true', 'aria-controls': listId, 'aria-autocomplete': 'list',
  });
  const list = h('div', { class: 'results', id: listId, role: 'listbox', 'aria-label': label });
  const options = () => [...list.querySelectorAll('[role=option]')];
  let asked = 0;

  const choose = (record, button) => {
    options().forEach((b) => b.setAttribute('aria-selected', 'false'));
    button.setAttribute('aria-selected', 'true');
    chosen.value = String(record.id);
    return onChoose(record);
  };

  const show = (records) => replace(list, records.length === 0
    ? h('p', { class: 'empty' }, empty(search.value.trim()))
    : records.map((record) => {
      const [attrs, ...content] = option(record);
      const selected = chosen.value === String(record.id);
      const button = h('button', { type: 'button', role: 'option', 'aria-selected': String(selected), tabindex: '-1', ...attrs }, ...content);
      button.addEventListener('click', () => choose(record, button));
      return button;
    }));

  /** Shows the records that match the field; answers them. */
  const refresh = async () => {
    const asking = ++asked;
    const records = await find(search.value.trim());
    if (asking !== asked) return null; // a later keystroke's answer is on its way
    show(records);
    return records;
  };

  /** Chooses `record` as if found and clicked, without a search. */
  const pick = (record, text) => {
    search.value = text;
    show([record]);
    return choose(record, list.querySelector('[role=option]'));
  };

  // Typing asks for another record: the one chosen is dropped until one is chosen again.
  search.addEventListener('input', () => {
    if (!chosen.value) return;
    chosen.value = '';
    onChoose(null);
  });
  search.addEventListener('input', debounce(refresh, 150));
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      options()[0]?.focus();
    } else if (e.key === 'Enter') {
      // Enter in the field picks the first match instead of sending the form unchosen.
      const first = options()[0];
      if (first && !chosen.value) {
        e.preventDefault();
        first.click();
      }
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

  const element = h('div', { class: 'field wide picker' }, h('span', { class: 'label' }, label), search, list, chosen);
  return { element, search, refresh, pick };
}
