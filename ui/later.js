// Screens of PRODUCT.md that are not built yet: they say what they will hold, and nothing else.

import { h, replace } from './dom.js';

export function screen(title, purpose) {
  return {
    render(main) {
      replace(main,
        h('div', { class: 'screen-head' }, h('h1', {}, title)),
        h('div', { class: 'card placeholder' },
          h('p', {}, purpose),
          h('p', { class: 'muted' }, 'This screen is not built yet.')));
    },
  };
}
