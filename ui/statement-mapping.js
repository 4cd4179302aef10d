// Bank CSV statements: the column mapping the owner saves once per bank, set up from the
// file's own header row and first lines. The file is chosen in a native dialog and held by the
// app; this page only ever sees its name and a preview.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { field, choose } from './dialog.js';

const DATE_LAYOUTS = ['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD-MM-YYYY', 'DD.MM.YY', 'MM/DD/YY', 'YYYYMMDD'];
const DELIMITERS = [[',', 'Comma ,'], [';', 'Semicolon ;'], ['\t', 'Tab'], ['|', 'Bar |']];
const ENCODINGS = [['utf8', 'UTF-8'], ['latin1', 'Latin-1 (Windows-1252)']];

/** Header names that usually hold each column, for a first guess. */
const GUESSES = {
  date_column: /^(booking date|date|posted date|transaction date|buchungstag|datum|fecha|date d'op)/i,
  amount: /^(amount|betrag|value|montant|importe|bedrag)/i,
  debit: /(debit|soll|withdrawal|money out|paid out)/i,
  credit: /(credit|haben|deposit|money in|paid in)/i,
  currency_column: /(currency|währung|waehrung|devise|ccy)/i,
  id_column: /(transaction id|reference id|^id$|transaktions|bank reference)/i,
  counterparty_column: /(name|payee|beneficiary|empfänger|zahlungsempfänger|counterparty|recipient)/i,
  reference_column: /(reference|memo|purpose|verwendungszweck|description|details|remittance)/i,
  status_column: /^(state|status|info|statut|estado|stato)$/i,
};

/**
 * The mapping controls under the statement format select. `importWith(formatOf, held)` imports
 * (through the screen's progress line) the held file; the returned `savedFormat()` is the
 * statement format of the chosen saved mapping, or throws what to do first.
 */
export function mappingPanel(importWith) {
  let saved = [];
  const source = h('select', { id: 'mapping-source', 'aria-label': 'Saved mapping' });
  const editor = h('div', { id: 'mapping-editor' });
  const chosen = () => saved.find((m) => m.source === source.value) ?? null;
  const fill = () => {
    const keep = source.value;
    replace(source,
      saved.map((m) => h('option', { value: m.source }, m.source)),
      h('option', { value: '' }, 'New mapping…'));
    source.value = saved.some((m) => m.source === keep) ? keep : (saved[0]?.source ?? '');
  };
  const load = async () => {
    saved = await api.statementMappings();
    fill();
  };
  load().catch(() => {});

  const setUp = () => showEditorFor(chosen()).catch((error) => {
    replace(editor, h('div', { class: 'banner', role: 'alert' }, error.message));
  });
  const showEditorFor = async (base) => {
    const settings = base
      ? { delimiter: base.delimiter, encoding: base.encoding, skip_lines: base.skip_lines }
      : { delimiter: ',', encoding: 'utf8', skip_lines: 0 };
    const first = await firstPreview(settings);
    if (!first) return;
    showEditor(editor, first, settings, base, async (mapping) => {
      const stored = await api.saveStatementMapping(mapping);
      await load();
      source.value = stored.source;
      replace(editor);
      return importWith(() => ({ format: 'generic_csv', mapping: stored }), true);
    });
  };

  const panel = h('div', { id: 'mapping-panel', hidden: true },
    h('div', { class: 'toolbar' },
      h('label', { class: 'inline' }, 'Mapping ', source),
      h('button', { type: 'button', id: 'map-columns', onclick: setUp }, 'Set up columns from a file…')),
    editor);
  const savedFormat = () => {
    const mapping = chosen();
    if (!mapping) throw new Error('Set up the columns from a file first: choose “Set up columns from a file…”.');
    return { format: 'generic_csv', mapping };
  };
  return { panel, savedFormat };
}

/** Picks the file and previews it with `read(pick, settings)` (a statement's preview by
 *  default), trying Latin-1 and the other delimiters when the first reading is clearly wrong
 *  (and changing `settings` to what worked); null when the dialog is cancelled. */
export async function firstPreview(settings, read = api.previewStatementCsv) {
  let answer;
  try {
    answer = await read(true, settings);
  } catch (error) {
    if (error.code !== 'not_utf8') throw error;
    settings.encoding = 'latin1';
    answer = await read(false, settings);
  }
  if (!answer) return null;
  let [, preview] = answer;
  if (preview.headers.length === 1) {
    for (const [delimiter] of DELIMITERS) {
      if (!preview.headers[0].includes(delimiter)) continue;
      settings.delimiter = delimiter;
      [, preview] = await read(false, settings);
      break;
    }
  }
  return [answer[0], preview];
}

function guess(headers, key) {
  return headers.find((name) => GUESSES[key].test(name)) ?? '';
}

function guessLayout(sample) {
  const text = (sample ?? '').trim().split(/\s/)[0];
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return 'YYYY-MM-DD';
  if (/^\d{8}$/.test(text)) return 'YYYYMMDD';
  if (/^\d{2}\.\d{2}\.\d{4}$/.test(text)) return 'DD.MM.YYYY';
  if (/^\d{2}\.\d{2}\.\d{2}$/.test(text)) return 'DD.MM.YY';
  if (/^\d{2}-\d{2}-\d{4}$/.test(text)) return 'DD-MM-YYYY';
  const slash = text.match(/^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/);
  if (slash) {
    const layout = `${Number(slash[1]) > 12 ? 'DD/MM' : 'MM/DD'}/${slash[3].length === 4 ? 'YYYY' : 'YY'}`;
    return DATE_LAYOUTS.includes(layout) ? layout : 'DD/MM/YYYY';
  }
  return 'YYYY-MM-DD';
}

/**
 * The file settings of a column mapping (delimiter, encoding, lines before the header) and a
 * table `#tableId` of the file's first lines as read with them. `read(pick, settings)` previews
 * the held file; `redraw(preview)` runs after each reading, the first with `first`.
 */
export function fileSettings(settings, first, read, tableId, redraw) {
  let preview = first;
  const table = h('div', { class: 'table-wrap' });
  const problem = h('div', { role: 'alert' });
  const delimiter = choose('Delimiter', 'delimiter', DELIMITERS);
  const encoding = choose('Encoding', 'encoding', ENCODINGS);
  const skip = field('Lines before the header', 'skip_lines', { type: 'number', min: 0, max: 50, value: settings.skip_lines });
  delimiter.querySelector('select').value = settings.delimiter;
  encoding.querySelector('select').value = settings.encoding;
  const current = () => ({
    delimiter: delimiter.querySelector('select').value,
    encoding: encoding.querySelector('select').value,
    skip_lines: Number(skip.querySelector('input').value) || 0,
  });
  const draw = () => {
    replace(table, h('table', { id: tableId },
      h('thead', {}, h('tr', {}, preview.headers.map((c) => h('th', {}, c)))),
      h('tbody', {}, preview.rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
    redraw(preview);
  };
  for (const control of [delimiter, encoding, skip]) {
    control.addEventListener('change', async () => {
      try {
        [, preview] = await read(false, current());
        replace(problem);
        draw();
      } catch (error) {
        replace(problem, h('div', { class: 'banner' }, error.message));
      }
    });
  }
  draw();
  return { controls: [delimiter, encoding, skip], table, problem, current };
}

/** The editor: file settings, a preview of the file as read with them, and the columns. */
function showEditor(editor, [fileName, first], settings, base, saveAndImport) {
  const columns = h('div', { class: 'fields', id: 'mapping-columns' });
  const name = field('Source name', 'source', { value: base?.source ?? '', placeholder: 'e.g. Sparkasse giro', wide: true }, 'saved under this name');
  let preview = first;

  const select = (label, key, value, optional) => {
    const control = choose(label, key, [...(optional ? [['', '—']] : []), ...preview.headers.map((c) => [c, c])]);
    control.querySelector('select').value = preview.headers.includes(value) ? value : (optional ? '' : preview.headers[0] ?? '');
    return control;
  };
  const drawColumns = () => {
    const headers = preview.headers;
    const at = (column) => preview.rows[0]?.[headers.indexOf(column)];
    const dateColumn = base?.date_column ?? guess(headers, 'date_column');
    const signed = base ? base.amount.kind === 'signed' : !guess(headers, 'debit') || !guess(headers, 'credit');
    const amountColumn = base?.amount.column ?? guess(headers, 'amount');
    const sample = preview.rows.map((r) => r[headers.indexOf(amountColumn)] ?? '').join(' ');
    const kind = choose('Amounts', 'amount_kind', [['signed', 'One column, negative for money out'], ['debit_credit', 'Debit and credit columns']], { wide: true });
    kind.querySelector('select').value = signed ? 'signed' : 'debit_credit';
    const signedBox = h('div', { class: 'fields wide' }, select('Amount', 'amount_column', amountColumn));
    const splitBox = h('div', { class: 'fields wide' },
      select('Debit (money out)', 'debit_column', base?.amount.debit ?? guess(headers, 'debit')),
      select('Credit (money in)', 'credit_column', base?.amount.credit ?? guess(headers, 'credit')));
    const shownKind = () => {
      signedBox.hidden = kind.querySelector('select').value !== 'signed';
      splitBox.hidden = !signedBox.hidden;
    };
    kind.querySelector('select').addEventListener('change', shownKind);
    shownKind();
    const layout = choose('Date layout', 'date_format', DATE_LAYOUTS.map((l) => [l, l]));
    layout.querySelector('select').value = base?.date_format ?? guessLayout(at(dateColumn));
    const comma = h('input', { type: 'checkbox', name: 'decimal_comma', checked: base?.decimal_comma ?? /,\d{1,2}(\D|$)/.test(sample) });
    replace(columns,
      select('Date', 'date_column', dateColumn),
      layout,
      kind, signedBox, splitBox,
      h('label', { class: 'inline wide' }, comma, 'Decimal comma (1.234,56)'),
      select('Currency column', 'currency_column', base?.currency_column ?? guess(headers, 'currency_column'), true),
      field('Or one currency for the file', 'currency', { value: base?.currency ?? '', placeholder: 'EUR', maxlength: 3 }),
      select('Transaction id', 'id_column', base?.id_column ?? guess(headers, 'id_column'), true),
      select('Other party', 'counterparty_column', base?.counterparty_column ?? guess(headers, 'counterparty_column'), true),
      select('Reference text', 'reference_column', base?.reference_column ?? guess(headers, 'reference_column'), true),
      select('Status (pending lines are never confirmed)', 'status_column', base?.status_column ?? guess(headers, 'status_column'), true));
  };
  const file = fileSettings(settings, first, api.previewStatementCsv, 'mapping-preview', (read) => {
    preview = read;
    drawColumns();
  });
  const { problem } = file;

  const value = (key) => columns.querySelector(`[name=${key}]`);
  const mapping = () => ({
    source: name.querySelector('input').value,
    ...file.current(),
    date_column: value('date_column').value,
    date_format: value('date_format').value,
    decimal_comma: value('decimal_comma').checked,
    amount: value('amount_kind').value === 'signed'
      ? { kind: 'signed', column: value('amount_column').value }
      : { kind: 'debit_credit', debit: value('debit_column').value, credit: value('credit_column').value },
    currency_column: value('currency_column').value,
    currency: value('currency').value,
    id_column: value('id_column').value,
    counterparty_column: value('counterparty_column').value,
    reference_column: value('reference_column').value,
    status_column: value('status_column').value,
  });

  replace(editor, h('div', { class: 'card inset' },
    h('h3', {}, `Columns of ${fileName}`),
    h('div', { class: 'fields' }, name, ...file.controls),
    problem,
    h('p', { class: 'muted small' }, 'The file as read with these settings (first lines):'),
    file.table,
    columns,
    h('div', { class: 'actions left' },
      h('button', { type: 'button', onclick: () => replace(editor) }, 'Cancel'),
      h('button', { type: 'button', class: 'primary', id: 'save-mapping', onclick: async () => {
        try {
          await saveAndImport(mapping());
        } catch (error) {
          replace(problem, h('div', { class: 'banner' }, error.message));
        }
      } }, 'Save mapping and import'))));
}
