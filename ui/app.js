// The window: a sidebar of screens and the one shown. Each screen module renders into <main>
// and keeps its own state (search, filters, page), so moving between screens loses nothing.

import { api } from './api.js';
import { h, replace } from './dom.js';
import * as payouts from './payouts.js';
import * as requests from './requests.js';
import * as customers from './customers.js';
import * as reconciliation from './reconciliation.js';
import * as audit from './audit.js';
import * as attention from './attention.js';
import * as settings from './settings.js';
import * as help from './help.js';
import './theme.js';

const screens = {
  payouts,
  requests,
  customers,
  reconciliation,
  attention,
  audit,
  settings,
  help,
};

const main = document.getElementById('main');

async function show() {
  const name = location.hash.slice(1) || 'payouts';
  const screen = screens[name] ?? screens.payouts;
  document.querySelectorAll('.sidebar a').forEach((a) => {
    if (a.dataset.screen === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  await screen.render(main);
}

async function start() {
  try {
    const info = await api.bookInfo();
    document.getElementById('operator').textContent = `Operator: ${info.operator}\nBook: ${info.path}`;
  } catch (error) {
    replace(main, h('div', { class: 'card fatal', role: 'alert' },
      h('h1', {}, 'The book could not be opened'),
      h('p', {}, error.message),
      h('p', { class: 'muted' }, error.kind === 'conflict'
        ? 'Nothing was changed. Use the window that has the book open, or close it there and start the app again.'
        : 'Nothing was changed. Restore a backup of the book, or start the app with another file.'),
      h('div', { class: 'actions left' }, h('button', { id: 'show-help', onclick: () => help.render(main) }, 'Help and diagnostics'))));
    document.body.dataset.ready = 'error';
    return;
  }
  window.addEventListener('hashchange', () => show().then(() => main.focus()));
  await show();
  document.body.dataset.ready = 'true';
}

start();
