// Help: what this app is, where its files are, and the diagnostics to send to whoever helps.
// Works without an open book, so it can help when the book would not open.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';

const place = (label, path, what) => h('div', { class: 'place' },
  h('dt', {}, label),
  h('dd', {}, path ? h('code', {}, path) : h('span', { class: 'muted' }, 'not available'), h('p', { class: 'muted small' }, what)));

export async function render(main) {
  const info = await api.helpInfo();
  const diagnostics = h('pre', { id: 'diagnostics', class: 'diagnostics' }, info.diagnostics);
  const copy = h('button', { class: 'primary', id: 'copy-diagnostics', onclick: async () => {
    try {
      await navigator.clipboard.writeText(info.diagnostics);
      toast('Diagnostics copied. Paste them into your message.');
    } catch {
      // Without clipboard access the text is selected, to copy by hand.
      getSelection().selectAllChildren(diagnostics);
      toast('Press Ctrl+C (⌘C) to copy the selected diagnostics.');
    }
  } }, 'Copy diagnostics');
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Help')),
    h('section', { class: 'card' },
      h('h2', {}, 'About'),
      h('p', {}, h('strong', {}, `Incentise Payouts ${info.version}`), ` on ${info.system}.`),
      h('p', { class: 'muted' }, 'The book of the cashback and incentive payouts you owe. It works offline and never moves money or sends anything anywhere: you pay through your bank or provider, and record it here.'),
      h('p', { class: 'muted' }, 'Keyboard: ', h('kbd', {}, '/'), ' searches, ', h('kbd', {}, 'n'), ' adds, ', h('kbd', {}, 'j'), ' and ', h('kbd', {}, 'k'), ' move between rows, ', h('kbd', {}, 'Enter'), ' opens one, ', h('kbd', {}, 'x'), ' selects it; ', h('kbd', {}, '?'), ' lists them all.')),
    h('section', { class: 'card' },
      h('h2', {}, 'Where your files are'),
      h('dl', { class: 'places', id: 'places' },
        place('Book', info.book, 'Everything you keep here, in one file.'),
        place('Backups', info.backups, 'One written each day the app starts, the last seven kept, and any you make in Settings.'),
        place('Log', info.log, 'What the app did and what went wrong, one file a day, the last seven kept. Account numbers are masked before they are written.'),
        place('Anchors and keys', info.trust, 'What proves the audit trail was not changed: keep it when you move to another computer. The chain keys are in the system keychain where there is one, else here.'))),
    h('section', { class: 'card' },
      h('h2', {}, 'Diagnostics'),
      h('p', { class: 'muted' }, 'If something goes wrong, send this to whoever helps you. It holds the version, the sizes and counts of your book, and the last lines of the log — no customer names, amounts or account numbers.'),
      h('div', { class: 'actions left' }, copy),
      diagnostics));
}
