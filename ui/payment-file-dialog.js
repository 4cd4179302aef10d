// The payment file dialog, opened from the Payouts screen's selection: the app writes PayPal
// Payouts files, Wise batch files or a SEPA credit transfer file into a folder chosen in a
// native dialog, and can move the exported payouts to On Process.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { modal, field } from './dialog.js';

const KINDS = {
  paypal: ['PayPal Payouts', 'Pending payouts to PayPal or Venmo accounts go into PayPal Payouts files (one per currency, at most 5,000 rows each) to upload in your PayPal business account.'],
  wise: ['Wise batch', 'Pending payouts to bank accounts go into Wise batch files (“send to bank accounts”, one per currency, at most 1,000 rows each): IBAN accounts, and US accounts by routing and account number for USD.'],
  sepa: ['SEPA credit transfer', 'Pending euro payouts to IBAN accounts go into a SEPA credit transfer file (pain.001.001.03) for your bank’s online banking, paid from your account below.'],
};

/** The payment file flow for the payouts `ids`; `done()` runs after files are written. */
export function paymentFileDialog(ids, done) {
  const kind = h('select', { id: 'payment-kind', name: 'kind', 'aria-label': 'Payment file' },
    Object.entries(KINDS).map(([value, [label]]) => h('option', { value }, label)));
  const about = h('p', {});
  const owner = h('fieldset', { class: 'fields', id: 'owner-account', hidden: true },
    h('legend', {}, 'Paid from your account'),
    field('Account holder', 'owner_name', { autocomplete: 'organization', wide: true }),
    field('IBAN', 'owner_iban', { spellcheck: false, wide: true }),
    field('BIC', 'owner_bic', { spellcheck: false }, 'optional'));
  const move = h('input', { type: 'checkbox', name: 'mark_on_process', checked: true });
  const outcome = h('div', { class: 'outcome', id: 'payment-outcome' });
  const write = h('button', { type: 'button', class: 'primary', id: 'write-files' }, 'Write files…');
  const shown = () => {
    about.textContent = `${KINDS[kind.value][1]} The others are listed and left out. Choose a folder next.`;
    owner.hidden = kind.value !== 'sepa';
  };
  kind.addEventListener('change', shown);
  shown();
  api.ownerAccount().then((account) => {
    if (!account) return;
    owner.querySelector('[name=owner_name]').value = account.name;
    owner.querySelector('[name=owner_iban]').value = account.iban;
    owner.querySelector('[name=owner_bic]').value = account.bic;
  }).catch(() => {});
  write.addEventListener('click', async () => {
    write.disabled = true;
    try {
      if (kind.value === 'sepa') {
        const value = (name) => owner.querySelector(`[name=${name}]`).value;
        await api.setOwnerAccount({ name: value('owner_name'), iban: value('owner_iban'), bic: value('owner_bic') });
      }
      const files = await api.paymentFiles(kind.value, ids, move.checked);
      if (files) {
        showFiles(outcome, files, KINDS[kind.value][0]);
        done();
      } else {
        write.disabled = false;
      }
    } catch (error) {
      replace(outcome, h('div', { class: 'banner', role: 'alert' }, error.message));
      write.disabled = false;
    }
  });
  const body = h('div', { class: 'body' },
    h('h2', {}, `Payment file for ${ids.length} payout${ids.length === 1 ? '' : 's'}`),
    h('label', {}, h('span', {}, 'File for'), kind),
    about,
    owner,
    h('label', { class: 'inline' }, move, 'Move the exported payouts to On Process'),
    outcome,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'),
      write));
  const dialog = modal('payment-files', body);
}

function showFiles(outcome, files, label) {
  replace(outcome,
    files.files.length
      ? [h('p', {}, `${files.payouts.length} payouts written to:`),
        h('ul', { id: 'written-files' }, files.files.map((f, i) => h('li', { class: 'id' }, f, ` (${files.runs[i]})`))),
        h('p', { class: 'muted' }, 'Each file is a payment run: ', h('a', { href: '#runs', id: 'open-runs', onclick: () => outcome.closest('dialog')?.close() }, 'Payment runs'), ' writes it again or marks it paid.')]
      : h('p', {}, `No file was written: none of the selected payouts can go into a ${label} file.`),
    files.notes.map((note) => h('p', { class: 'notice' }, note)),
    files.skipped.length
      ? [h('p', {}, 'Left out:'), h('ul', { id: 'skipped-payouts' }, files.skipped.map((s) => h('li', {}, h('strong', {}, s.number), ` — ${s.reason}`)))]
      : null);
  toast(files.files.length ? `${files.files.length} ${label} file${files.files.length === 1 ? '' : 's'} written.` : `No ${label} file written.`);
}
