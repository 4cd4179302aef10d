// The progress line of long work (export, import confirmation, audit check): what is done so
// far, read from the app every 300 ms, with a Cancel that asks the app to stop (it then undoes
// what it did). The caller shows the outcome.

import { api } from './api.js';
import { h, replace } from './dom.js';

/**
 * Runs `work()` with `button` disabled and the progress line in `result`: "Working… 12,000 rows
 * so far". Resolves or rejects as `work()` does.
 */
export async function withProgress(button, result, work, { label = 'Working…', unit = 'rows', cancellable = true } = {}) {
  button.disabled = true;
  const count = h('span', {}, label);
  replace(result, h('p', { class: 'working' }, count, ' ', cancellable
    ? h('button', { type: 'button', class: 'link', 'data-action': 'cancel', onclick: () => api.cancelWork() }, 'Cancel')
    : null));
  const timer = setInterval(async () => {
    const done = await api.workProgress().catch(() => 0);
    if (done) count.textContent = `${label} ${done.toLocaleString()} ${unit} so far`;
  }, 300);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    button.disabled = false;
  }
}
