// Keyboard shortcuts, the same on every screen: `/` search, `n` new, `j`/`k` the next and
// previous row, `Enter` opens it, `x` selects it, `?` lists them; `Esc` closes a dialog (the
// browser's own). None fires while typing in a field or with a dialog open.

import { h } from './dom.js';
import { modal } from './dialog.js';

const SHORTCUTS = [
  ['/', 'Search this screen'],
  ['n', 'New: the screen\'s main button (Add cashback payout, Add request, Add customer)'],
  ['j', 'Next row'],
  ['k', 'Previous row'],
  ['Enter', 'Open the row'],
  ['x', 'Select the row (Payouts)'],
  ['Esc', 'Close the dialog'],
  ['?', 'These shortcuts'],
];

// A ticked box or a chosen radio keeps the focus but takes no letters: the keys still work.
const typing = (el) => el?.closest('input:not([type=checkbox], [type=radio]), textarea, select, [contenteditable=""], [contenteditable="true"]');

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  if (typing(e.target) || document.querySelector('dialog[open]')) return;
  const main = document.getElementById('main');
  const act = {
    '/': () => main.querySelector('input[type=search]')?.focus(),
    n: () => main.querySelector('.screen-head button.primary')?.click(),
    j: () => moveRow(main, 1),
    k: () => moveRow(main, -1),
    x: () => rowOf(document.activeElement)?.querySelector('input.select')?.click(),
    '?': showShortcuts,
  }[e.key];
  if (!act) return;
  e.preventDefault();
  act();
});

const rowOf = (el) => el?.closest?.('#main tbody tr');

/** Moves the focus to the next (`step` 1) or previous (-1) row's first link or button. */
function moveRow(main, step) {
  const rows = [...main.querySelectorAll('tbody tr')].filter((tr) => tr.querySelector('button, a'));
  if (!rows.length) return;
  const at = rows.indexOf(rowOf(document.activeElement));
  const next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
  const target = rows[next].querySelector('button.link, a, button');
  target.focus();
  target.scrollIntoView({ block: 'nearest' });
}

function showShortcuts() {
  const dialog = modal('shortcuts', h('div', { class: 'body' },
    h('h2', {}, 'Keyboard shortcuts'),
    h('dl', { class: 'summary', id: 'shortcuts' }, SHORTCUTS.flatMap(([key, what]) => [h('dt', {}, h('kbd', {}, key)), h('dd', {}, what)])),
    h('div', { class: 'actions' }, h('button', { class: 'primary', onclick: () => dialog.close() }, 'Close'))),
  { 'aria-label': 'Keyboard shortcuts' });
}
