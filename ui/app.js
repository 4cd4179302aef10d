// The window: a sidebar of screens and the one shown. Each screen module renders into <main>
// and keeps its own state (search, filters, page), so moving between screens loses nothing.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import * as payouts from './payouts.js';
import * as requests from './requests.js';
import * as customers from './customers.js';
import * as reconciliation from './reconciliation.js';
import * as runs from './runs.js';
import * as audit from './audit.js';
import * as attention from './attention.js';
import * as settings from './settings.js';
import * as help from './help.js';
import './theme.js';
import './keyboard.js';

const screens = {
  payouts,
  requests,
  customers,
  runs,
  reconciliation,
  attention,
  audit,
  settings,
  help,
};

const main = document.getElementById('main');

// The app was started again on this book: the shell brought this window forward instead of
// opening a second one (src-tauri/src/one_window.rs).
document.addEventListener('opened-again', () => {
  toast('Incentise Payouts is already open on this book: this is its window.');
});

async function show() {
  const name = location.hash.slice(1) || 'payouts';
  const screen = screens[name] ?? screens.payouts;
  document.querySelectorAll('.sidebar a').forEach((a) => {
    if (a.dataset.screen === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  await screen.render(main);
  if (name !== 'attention') attention.showCount();
}

// A change anywhere may change what needs attention: the sidebar counts again (once for a
// burst of changes).
let recount;
document.addEventListener('book-changed', () => {
  clearTimeout(recount);
  recount = setTimeout(attention.showCount, 300);
});

/** The way out when the book did not open: what happened, and what can be done about it. */
function startUpCard(state) {
  const { kind, message } = state.problem;
  const outcome = h('div', { class: 'outcome' });
  const act = (label, id, work, cls = '') => h('button', { id, class: cls, onclick: async (e) => {
    e.target.disabled = true;
    try {
      await work();
    } catch (error) {
      replace(outcome, h('div', { class: 'banner', role: 'alert' }, error.message));
    } finally {
      e.target.disabled = false;
    }
  } }, label);
  const advice = {
    missing: 'Nothing was created. Open the book where it is now, restore a backup, or start a new, empty book here.',
    held: 'Nothing was changed. Use the window that has the book open, or close it there and try again.',
    refused: 'Nothing was changed: the file was left as it is. Open another book file, or restore a backup.',
    damaged: 'Restore a backup: the damaged file is kept among the backups first, so nothing is lost for good.',
  }[kind];
  // The book is opened again in place; the window then starts over on it.
  const restore = async (fileName) => {
    if (await api.restoreAtStart(fileName)) location.reload();
  };
  const restoring = kind !== 'held' ? h('section', { class: 'restore-choices' },
    h('h2', {}, 'Restore a backup'),
    state.backups.length
      ? h('ul', { class: 'plain', id: 'start-backups' }, state.backups.map((b) => h('li', {},
        act(`${b.file_name} · ${new Date(b.written_at).toLocaleString()}`, null, () => restore(b.file_name), 'link'))))
      : h('p', { class: 'muted' }, 'No backup was found beside the book.'),
    act('Choose a backup file…', 'restore-any-file', () => restore(null))) : null;
  return h('div', { class: 'card fatal', role: 'alert', id: 'start-up', 'data-kind': kind },
    h('h1', {}, kind === 'missing' ? 'There is no book here' : 'The book could not be opened'),
    h('p', {}, message),
    h('p', { class: 'muted' }, advice),
    kind === 'held' ? h('div', { class: 'actions left' }, act('Try again', 'open-again', async () => {
      await api.openAgain();
      location.reload();
    }, 'primary')) : null,
    kind !== 'held' ? h('div', { class: 'actions left' },
      act('Open a book file…', 'open-book-file', async () => {
        if (await api.openBookFile()) location.reload();
      }, kind === 'missing' ? '' : 'primary'),
      kind === 'missing' ? act('Start a new book', 'start-new-book', async () => {
        await api.startNewBook();
        location.reload();
      }, 'primary') : null) : null,
    restoring,
    outcome,
    h('div', { class: 'actions left' }, h('button', { id: 'show-help', onclick: () => help.render(main) }, 'Help and diagnostics')));
}

/** While the book opens (a large book's upgrade can take a minute): what is being done. */
function openingCard(doing) {
  return h('div', { class: 'card opening', role: 'status', id: 'opening', 'aria-live': 'polite' },
    h('h1', {}, 'Opening the book'),
    h('p', {}, doing),
    h('progress', { 'aria-label': 'Opening the book' }));
}

async function start() {
  let state = await api.startUp();
  let reloaded = state.page_reloaded;
  let shown = null;
  while (state.opening) {
    if (state.opening !== shown) replace(main, openingCard(state.opening));
    shown = state.opening;
    await new Promise((resolve) => setTimeout(resolve, 250));
    state = await api.startUp();
    reloaded ||= state.page_reloaded;
  }
  if (reloaded) {
    // The app reloaded this page after its web process crashed (src-tauri/src/page_crash.rs).
    const banner = h('div', { class: 'banner', id: 'page-reloaded', role: 'alert' },
      'The window stopped unexpectedly and was reloaded. Everything that was saved is in the book; a form that was open may need to be filled in again. ',
      h('button', { type: 'button', class: 'link', onclick: () => banner.remove() }, 'Dismiss'));
    document.body.prepend(banner);
  }
  if (state.problem) {
    replace(main, startUpCard(state));
    document.body.dataset.ready = 'error';
    return;
  }
  const info = await api.bookInfo();
  document.getElementById('operator').textContent = `Operator: ${info.operator}\nBook: ${info.path}`;
  if (state.read_only) {
    document.body.prepend(h('div', { class: 'banner read-only', id: 'read-only', role: 'status' },
      'This book is open read-only: its file or folder cannot be written, so nothing can be changed. Make them writable and restart the app to change the book.'));
  }
  window.addEventListener('hashchange', () => show().then(() => main.focus()));
  await show();
  document.body.dataset.ready = 'true';
}

start();
