// Modal dialogs: a native <dialog> (Esc closes it, focus is trapped by the browser) that lives
// only while it is open. `formDialog` is one whose submit runs `onSubmit`; a ledger error is
// shown next to its field and the dialog stays open.

import { h, showError, clearErrors, formValues } from './dom.js';

/**
 * Shows `content` in a modal <dialog data-dialog="name"> (with any other `attrs`) and returns
 * it; closing it removes it from the page, so no closed dialog is left for a selector to find.
 */
export function modal(name, content, attrs = {}) {
  const dialog = h('dialog', { ...attrs, 'data-dialog': name }, content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function formDialog({ title, body, submitLabel = 'Save', onSubmit, name }) {
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const form = h('form', { novalidate: true },
    h('h2', {}, title),
    h('div', { class: 'banner', role: 'alert', hidden: true }),
    body,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      submit));
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return; // a double click submits once
    busy = true;
    submit.disabled = true;
    clearErrors(form);
    try {
      await onSubmit(formValues(form), form);
      dialog.close();
    } catch (error) {
      showError(form, error);
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });
  const dialog = modal(name, form);
  return { form, submit };
}

/** A labelled input; `attrs` go to the input. */
export function field(label, name, attrs = {}, hint) {
  return h('label', { class: attrs.wide ? 'wide' : null },
    h('span', {}, label, hint ? h('span', { class: 'hint' }, ` ${hint}`) : null),
    h(attrs.tag ?? 'input', { name, id: `f-${name}`, ...attrs, tag: null, wide: null }));
}

/** A labelled select of [value, text] pairs. */
export function choose(label, name, options, attrs = {}) {
  return h('label', { class: attrs.wide ? 'wide' : null },
    h('span', {}, label),
    h('select', { name, id: `f-${name}`, ...attrs, wide: null },
      options.map(([value, text]) => h('option', { value }, text))));
}
