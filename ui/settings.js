// Settings: where the book lives, backups (automatic each day, manual, restore), the operator
// name the audit trail records, and the theme.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { modal } from './dialog.js';
import { when } from './format.js';
import { themeChoice, chooseTheme } from './theme.js';

const KINDS = { automatic: 'Automatic', manual: 'Manual', before: 'Kept before a change' };

const kindOf = (name) => (name.startsWith('automatic-') ? KINDS.automatic
  : name.startsWith('manual-') ? KINDS.manual : KINDS.before);

const size = (bytes) => (bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`);

export async function render(main) {
  const [info, head] = await Promise.all([api.bookInfo(), api.chainHead()]);
  const backups = h('div', { id: 'backup-list' });
  const name = h('input', { id: 'operator-name', value: info.operator, maxlength: 60, autocomplete: 'name', 'aria-label': 'Your name' });
  const saveName = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const nameForm = h('form', { class: 'toolbar', id: 'operator-form', onsubmit: async (e) => {
    e.preventDefault();
    saveName.disabled = true;
    try {
      const saved = await api.setOperatorName(name.value);
      name.value = saved;
      document.getElementById('operator').textContent = `Operator: ${saved}\nBook: ${info.path}`;
      toast(`Changes are now recorded as ${saved}.`);
    } catch (error) {
      toast(error.message);
    } finally {
      saveName.disabled = false;
    }
  } }, name, saveName);
  const themes = [['system', 'As the system'], ['light', 'Light'], ['dark', 'Dark']].map(([value, label]) => h('button', {
    type: 'button', 'data-theme-choice': value, 'aria-pressed': String(themeChoice() === value),
    onclick: (e) => {
      chooseTheme(value);
      e.currentTarget.parentElement.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b === e.currentTarget)));
    },
  }, label));
  const backUp = h('button', { class: 'primary', id: 'back-up', onclick: async () => {
    backUp.disabled = true;
    try {
      const made = await api.backUp();
      toast(made.second.failed
        ? `Backup ${made.file_name} written here, but not copied to the second folder: ${made.second.failed}`
        : made.second.copied_to ? `Backup ${made.file_name} written, and copied to ${made.second.copied_to}.` : `Backup ${made.file_name} written.`);
      await drawBackups(backups);
    } catch (error) {
      toast(error.message);
    } finally {
      backUp.disabled = false;
    }
  } }, 'Back up now');
  const second = h('div', { id: 'second-folder' });
  const restoreFile = h('button', { id: 'restore-from-file', onclick: () => confirmRestore(null) }, 'Restore from a file…');
  replace(main,
    h('div', { class: 'screen-head' }, h('h1', {}, 'Settings')),
    h('section', { class: 'card' },
      h('h2', {}, 'The book'),
      h('p', {}, 'Everything is in one file on this computer: ', h('code', { id: 'book-path' }, info.path), '. Backups are in the ', h('code', {}, 'backups'), ' folder beside it.')),
    h('section', { class: 'card', id: 'chain-head' },
      h('h2', {}, 'Fingerprint of the audit trail'),
      head.seq
        ? h('p', {}, 'Event ', h('strong', { id: 'head-seq' }, head.seq.toLocaleString()), ': ',
          h('code', { id: 'head-fingerprint', class: 'fingerprint' }, head.fingerprint))
        : h('p', { class: 'muted' }, 'The trail has no event yet.'),
      h('p', { class: 'muted' }, head.keyed
        ? 'Write it down or print this page now and then: if the trail were ever cut short or rewritten, this event would no longer carry this fingerprint. The app also writes it down by itself, outside the book, and each event is sealed with a key kept outside the book.'
        : 'Write it down or print this page now and then: if the trail were ever cut short or rewritten, this event would no longer carry this fingerprint.'),
      h('div', { class: 'actions left' }, h('button', { type: 'button', onclick: () => window.print() }, 'Print'))),
    h('section', { class: 'card' },
      h('h2', {}, 'Your name in the audit trail'),
      h('p', { class: 'muted' }, 'Every change made in the app is recorded with this name.'),
      nameForm),
    h('section', { class: 'card' },
      h('h2', {}, 'Theme'),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Theme', id: 'theme' }, themes)),
    h('section', { class: 'card' },
      h('h2', {}, 'Backups'),
      h('p', { class: 'muted' }, 'A backup is written when the app starts (at most once a day; the last seven are kept) and before the book is upgraded. Restoring replaces the book with a backup when the app restarts; the book it replaces is kept as a backup first, so a restore can be undone.'),
      h('div', { class: 'actions left' }, backUp, restoreFile),
      second,
      backups));
  await Promise.all([drawBackups(backups), drawSecond(second)]);
}

/** The second backup folder: where every backup is also copied (a USB stick, a synced folder). */
async function drawSecond(box) {
  const folder = await api.secondBackupFolder();
  const set = async (choose, button) => {
    button.disabled = true;
    try {
      const now = await api.setSecondBackupFolder(choose);
      toast(now ? `Every backup is now also copied to ${now}.` : 'Backups are no longer copied to a second folder.');
      await drawSecond(box);
    } catch (error) {
      toast(error.message);
      button.disabled = false;
    }
  };
  replace(box, h('div', { class: 'second-folder' },
    h('h3', {}, 'A second copy, off this disk'),
    folder
      ? h('p', {}, 'Every backup is also copied to ', h('code', { id: 'second-folder-path' }, folder), '.')
      : h('p', { class: 'muted' }, 'Choose a USB stick or a synced folder, and every backup is also copied there, so losing this disk does not lose the book.'),
    h('div', { class: 'actions left' },
      h('button', { id: 'choose-second-folder', onclick: (e) => set(true, e.target) }, folder ? 'Choose another folder…' : 'Choose a folder…'),
      folder ? h('button', { id: 'stop-second-folder', onclick: (e) => set(false, e.target) }, 'Stop copying') : null)));
}

async function drawBackups(box) {
  let list;
  try {
    list = await api.backups();
  } catch (error) {
    replace(box, h('div', { class: 'banner', role: 'alert' }, error.message));
    return;
  }
  replace(box, list.length
    ? h('div', { class: 'table-wrap' }, h('table', { id: 'backups-table' },
      h('thead', {}, h('tr', {}, ['Written', 'Kind', 'File', 'Size', ''].map((t) => h('th', { class: t === 'Size' ? 'num' : null }, t)))),
      h('tbody', {}, list.map((b) => h('tr', { 'data-file': b.file_name },
        h('td', {}, when(b.written_at)),
        h('td', {}, kindOf(b.file_name)),
        h('td', { class: 'id' }, b.file_name),
        h('td', { class: 'num' }, size(b.bytes)),
        h('td', {}, h('button', { class: 'link', 'data-action': 'restore', onclick: () => confirmRestore(b) }, 'Restore…')))))))
    : h('p', { class: 'muted' }, 'No backup yet.'));
}

/** Restores `backup` from the list, or (null) a file the user chooses next. */
function confirmRestore(backup) {
  const dialog = modal('restore',
    h('div', { class: 'body' },
      h('h2', {}, backup ? 'Restore this backup?' : 'Restore from a file?'),
      h('p', {}, backup
        ? `The app will restart and replace the book with ${backup.file_name} (${when(backup.written_at)}). Changes made since then will not be in the book; the book as it is now is kept as a backup first.`
        : 'Choose a book or backup file (from a USB stick, say). It is checked as the book itself is: a file that is damaged, of a newer version, or changed outside the app is refused. Then the app restarts with it; the book as it is now is kept as a backup first.'),
      h('div', { class: 'outcome' }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', id: 'confirm-restore', onclick: async (e) => {
          e.target.disabled = true;
          try {
            if (backup) await api.restoreBackup(backup.file_name);
            else if (!await api.restoreFromFile()) e.target.disabled = false;
          } catch (error) {
            replace(dialog.querySelector('.outcome'), h('div', { class: 'banner', role: 'alert' }, error.message));
            e.target.disabled = false;
          }
        } }, backup ? 'Restore and restart' : 'Choose the file…'))));
}
