// Importing customers (with a payment account each) or approved requests from another tool's
// CSV export: the file is chosen in a native dialog and held by the app (this page sees its
// name and first lines only), its columns are mapped once per source, a check lists every
// line's problem, and only then are the lines without one imported, in one batch.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { modal, field, choose } from './dialog.js';
import { withProgress } from './progress.js';
import { fileSettings, firstPreview } from './statement-mapping.js';

/** Headers that hold an e-mail address, and an amount. */
const EMAIL = /^(e-?mail|email address|e-mail-adresse|mail)$/i;
const AMOUNT = /(amount|betrag|cashback|reward|how much|montant|importe)/i;

/** The fields of each kind, as the ledger reads them: [key, label, required, header guess]. */
const FIELDS = {
  customers: [
    ['external_id', 'Their id of the customer', true, /^(#|id|customer id|customer number|external id|kundennr\.?|kundennummer|nr\.?|number)$/i],
    ['username', 'Username', true, /(user ?name|benutzername|login|handle)/i],
    ['name', 'Name (or first name)', true, /^(name|full name|first name|given name|vorname|display name|customer name|customer)$/i],
    ['last_name', 'Last name, if apart', false, /^(last name|surname|family name|nachname)$/i],
    ['email', 'E-mail', false, EMAIL],
    ['paypal_email', 'PayPal e-mail (a PayPal account)', false, /paypal/i],
    ['iban', 'IBAN (a bank account)', false, /iban/i],
    ['bic', 'BIC', false, /^(bic|swift|bic\/swift|swift code|swift\/bic)$/i],
    ['account_holder', 'Account holder (else the name)', false, /(holder|kontoinhaber|account name)/i],
  ],
  requests: [
    ['external_id', 'Their id of the request', true, /^(#|id|request id|response id|token|external id|nr\.?|number)$/i],
    ['username', 'Customer’s username', true, /(user ?name|benutzername|login|customer)/i],
    ['amount', 'Amount', true, AMOUNT],
    ['currency', 'Currency column', false, /(currency|währung|waehrung|devise|moneda)/i],
    ['program', 'Program', false, /(program|programme|programm|campaign)/i],
    ['note', 'Note', false, /(note|notiz|comment|remark|bemerkung|anything else)/i],
  ],
};

const TITLES = {
  customers: 'Import customers from a CSV file',
  requests: 'Import approved requests from a CSV file',
};
const ABOUT = {
  customers: 'Each line a customer, with a PayPal account (its e-mail) or a bank account (IBAN) where the line has one: a shop’s customer export or a spreadsheet.',
  requests: 'Each line an approved request of a customer the book has (by username): a form tool’s responses or a spreadsheet.',
};

/**
 * Opens the import dialog for `kind` ('customers' or 'requests'); `done()` runs after an
 * import wrote something, so the screen behind can show it.
 */
export function importDialog(kind, done) {
  const saved = h('select', { id: 'import-mapping', 'aria-label': 'Saved mapping' });
  const editor = h('div', { id: 'import-editor' });
  const problem = h('div', { role: 'alert' });
  let mappings = [];
  api.recordMappings(kind).then((found) => {
    mappings = found;
    replace(saved, h('option', { value: '' }, 'Chosen by the file’s columns'),
      mappings.map((m) => h('option', { value: m.source }, m.source)));
  }).catch((error) => replace(problem, h('div', { class: 'banner' }, error.message)));

  const chooseFile = async () => {
    replace(problem);
    const chosen = mappings.find((m) => m.source === saved.value) ?? null;
    const settings = chosen
      ? { delimiter: chosen.delimiter, encoding: chosen.encoding, skip_lines: chosen.skip_lines }
      : { delimiter: ',', encoding: 'utf8', skip_lines: 0 };
    try {
      const first = await firstPreview(settings, api.previewRecordsCsv);
      if (!first) return;
      // Without a choice, the saved mapping whose every column the file has (its source, so
      // its lines imported before are known); else a new source.
      const headers = first[1].headers;
      const base = chosen ?? mappings.find((m) => Object.values(m.columns).every((c) => headers.includes(c))) ?? null;
      showEditor(editor, kind, first, settings, base, () => { dialog.close(); done(); });
    } catch (error) {
      replace(problem, h('div', { class: 'banner' }, error.message));
    }
  };
  const dialog = modal('import-records', h('div', { class: 'body' },
    h('h2', {}, TITLES[kind]),
    h('p', { class: 'muted' }, ABOUT[kind], ' Nothing is written until you have seen what the check finds; a line imported before from the same source is left as it is.'),
    h('div', { class: 'fields' }, h('label', {}, h('span', {}, 'Column mapping'), saved)),
    problem,
    h('div', { class: 'actions left' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'),
      h('button', { type: 'button', class: 'primary', id: 'import-choose', onclick: chooseFile }, 'Choose the file…')),
    editor), { class: 'wide' });
  return dialog;
}

/** The file's settings, its first lines as read with them, the columns, the check and the import. */
function showEditor(editor, kind, [fileName, first], settings, base, imported) {
  let preview = first;
  const columns = h('div', { class: 'fields', id: 'import-columns' });
  const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const source = field('Source name', 'import_source', { value: base?.source ?? '', placeholder: kind === 'customers' ? 'e.g. Shopify customers' : 'e.g. Cashback form', wide: true }, 'the mapping is saved under it, and two sources’ ids never clash');
  const run = h('button', { type: 'button', class: 'primary', id: 'import-run', disabled: true }, 'Import');
  const checkButton = h('button', { type: 'button', id: 'import-check' }, 'Check the file');
  // What the last check found, while nothing has changed since; any change (file settings,
  // columns, source) makes it stale, and an answer to a stale check is dropped.
  let checked = null;
  let asked = 0;
  const stale = () => {
    asked += 1;
    checked = null;
    run.disabled = true;
    run.textContent = 'Import';
    replace(result);
  };
  columns.addEventListener('change', stale);
  source.addEventListener('input', stale);

  const guess = (key, pattern) => {
    if (base) return base.columns[key] ?? '';
    const found = preview.headers.find((name) => pattern.test(name.trim()));
    // A shop's customers often have no username: their e-mail address is one.
    if (!found && kind === 'customers' && key === 'username') return preview.headers.find((name) => EMAIL.test(name.trim())) ?? '';
    return found ?? '';
  };
  const drawColumns = () => {
    const controls = FIELDS[kind].map(([key, label, required, pattern]) => {
      const control = choose(required ? `${label} *` : label, `column_${key}`,
        [['', '—'], ...preview.headers.map((c) => [c, c])]);
      const value = guess(key, pattern);
      control.querySelector('select').value = preview.headers.includes(value) ? value : '';
      return control;
    });
    // A decimal comma guessed from the first amounts ("12,50", "1.234,56"); the check refuses
    // a file whose amounts prove the other mark.
    const amounts = preview.rows.map((r) => r[preview.headers.indexOf(guess('amount', AMOUNT))] ?? '');
    const comma = base?.decimal_comma ?? amounts.some((a) => /\d,\d{1,2}$|\.\d{3},/.test(a.trim()));
    const extra = kind === 'requests'
      ? [field('One currency for lines without one', 'import_currency', { value: base?.currency ?? '', placeholder: 'EUR', maxlength: 3 }),
        h('label', { class: 'inline wide' }, h('input', { type: 'checkbox', name: 'decimal_comma', checked: comma }), 'Decimal comma (1.234,56)')]
      : [];
    replace(columns, ...controls, ...extra);
  };
  const file = fileSettings(settings, first, api.previewRecordsCsv, 'import-preview', (read) => {
    preview = read;
    stale();
    drawColumns();
  });
  const { problem } = file;
  const mapping = () => ({
    kind,
    source: source.querySelector('input').value,
    ...file.current(),
    decimal_comma: columns.querySelector('[name=decimal_comma]')?.checked ?? false,
    currency: columns.querySelector('[name=import_currency]')?.value ?? '',
    columns: Object.fromEntries(FIELDS[kind]
      .map(([key]) => [key, columns.querySelector(`[name=column_${key}]`).value])
      .filter(([, column]) => column)),
  });

  checkButton.addEventListener('click', async () => {
    replace(problem);
    stale();
    const mine = asked;
    checkButton.disabled = true;
    try {
      const found = await api.checkRecords(mapping());
      if (mine !== asked) return;
      checked = found;
      drawCheck(result, found);
      if (found.ready > 0) {
        run.disabled = false;
        run.textContent = `Import ${plural(found.ready, 'line')}`;
      }
    } catch (error) {
      if (mine === asked) replace(problem, h('div', { class: 'banner' }, error.message));
    } finally {
      checkButton.disabled = false;
    }
  });
  run.addEventListener('click', async () => {
    if (!checked) return;
    replace(problem);
    const expected = checked;
    try {
      const made = await withProgress(run, result, () => api.importRecords(mapping(), expected.file_sha256), { label: 'Importing…', unit: 'lines' });
      if (made.left_out === expected.problems.length && made.known === expected.known) {
        toast(made.message);
        imported();
        return;
      }
      // The book changed since the check (another window, say): what was done stays in view.
      stale();
      replace(result, h('p', { class: 'banner', id: 'import-outcome', role: 'status' },
        `The book changed since the check. ${made.message} `,
        h('button', { type: 'button', class: 'link', onclick: imported }, 'Done')));
    } catch (error) {
      replace(result);
      replace(problem, h('div', { class: 'banner' }, error.kind === 'cancelled' ? 'Cancelled: nothing was imported.' : error.message));
    }
  });

  replace(editor, h('div', { class: 'card inset' },
    h('h3', {}, `Columns of ${fileName}`),
    h('div', { class: 'fields' }, source, ...file.controls),
    h('p', { class: 'muted small' }, 'The file as read with these settings (first lines):'),
    file.table,
    h('p', { class: 'muted small' }, 'Which column holds what (* is needed):'),
    columns,
    problem,
    h('div', { class: 'actions left' },
      checkButton,
      run),
    result));
}

function plural(n, noun) {
  return `${n.toLocaleString()} ${noun}${n === 1 ? '' : 's'}`;
}

/** What the check found: the counts, what the first lines make, and every line's problem. */
function drawCheck(result, found) {
  const counts = [`${plural(found.lines, 'line')}: ${found.ready.toLocaleString()} ready to import`];
  if (found.known) counts.push(`${found.known.toLocaleString()} imported before (left as they are)`);
  if (found.problems.length) counts.push(`${plural(found.problems.length, 'line')} with a problem (left out)`);
  replace(result,
    h('p', { id: 'import-summary' }, `${counts.join(', ')}.`),
    found.sample.length ? h('ul', { class: 'muted small', id: 'import-sample' }, found.sample.map((s) => h('li', {}, s))) : null,
    found.problems.length
      ? h('div', { class: 'table-wrap' }, h('table', { id: 'import-problems' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Line'), h('th', {}, 'Problem'))),
        h('tbody', {}, found.problems.map((p) => h('tr', { 'data-line': p.line_no }, h('td', { class: 'num' }, p.line_no), h('td', {}, p.problem))))))
      : null);
}
