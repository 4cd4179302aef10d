// The side panel that the payout detail and the customer page open in.

import { h, replace } from './dom.js';
import { modal } from './dialog.js';

/**
 * Opens the panel `name` (closing one of the same name), fills it with
 * `draw(body, await load(), dialog, saved)` and draws it again after each `saved()`, which
 * also calls `changed()` so the screen behind can refresh.
 */
export async function openDrawer({ name, label, load, draw, changed }) {
  document.querySelector(`dialog[data-dialog="${name}"]`)?.close();
  const body = h('div', { class: 'body', id: name });
  const dialog = modal(name, body, { class: 'drawer', 'aria-label': label });
  const saved = async () => {
    await reload();
    changed();
  };
  const reload = async () => {
    try {
      draw(body, await load(), dialog, saved);
    } catch (error) {
      replace(body, h('div', { class: 'banner', role: 'alert' }, error.message));
    }
  };
  await reload();
}
