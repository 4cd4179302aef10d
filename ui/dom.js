// Small DOM helpers. User text only ever becomes a text node (textContent), never markup.

/**
 * Creates an element: h('button', { class: 'primary', onclick: fn, 'data-id': 3 }, 'Save').
 * Children may be strings (text nodes), nodes, arrays, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'value' && el.tagName !== 'OPTION') {
      // A property, so a <textarea> shows it too (it has no value attribute).
      el.value = value;
    } else if (key in el && typeof value !== 'string') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** As `h`, for SVG elements: every attribute is set as an attribute. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value !== null && value !== undefined && value !== false) el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** Calls `fn` once the user stops typing for `ms`. */
export function debounce(fn, ms = 200) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * Shows a ledger error: next to its field when the form has one (`[name=field]`), otherwise in
 * the form's banner. Clears earlier messages first.
 */
export function showError(form, error) {
  clearErrors(form);
  let field = error?.field && form.querySelector(`[name="${CSS.escape(error.field)}"]`);
  // A picker's choice travels in a hidden input: the message belongs to its search field.
  if (field?.type === 'hidden') field = field.closest('.field')?.querySelector('[role=combobox]') ?? field;
  const message = error?.message ?? String(error);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    const note = h('p', { class: 'field-error', role: 'alert', id: `${field.id || field.name}-error` }, message);
    field.setAttribute('aria-describedby', note.id);
    field.closest('label, .field')?.append(note);
    field.focus();
  } else {
    let banner = form.querySelector('.banner');
    if (!banner) {
      banner = h('div', { class: 'banner', role: 'alert' });
      form.prepend(banner);
    }
    banner.textContent = message;
    banner.hidden = false;
  }
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((n) => n.remove());
  form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
  form.querySelectorAll('.banner').forEach((n) => { n.hidden = true; n.textContent = ''; });
}

/** The form's named fields as a plain object of strings. */
export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

let toastTimer;
/** A short message at the bottom of the window, read out by screen readers. */
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

/** Copies `text` to the clipboard and says so. */
export async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied.`);
  } catch {
    toast(`Could not copy ${what.toLowerCase()}; select it and press Ctrl+C.`);
  }
}

/**
 * A date filter that looks empty when it is: WebKit shows an empty date input with today's date
 * in grey, as if it were set, so an empty one is a text box saying "any day" until it is used.
 */
export function dateFilter({ value, onchange, ...attrs }) {
  const input = h('input', { ...attrs, type: value ? 'date' : 'text', value, placeholder: 'any day', 'data-date-filter': '' });
  input.addEventListener('focus', () => { input.type = 'date'; });
  input.addEventListener('blur', () => { if (!input.value) input.type = 'text'; });
  input.addEventListener('change', onchange);
  return input;
}
