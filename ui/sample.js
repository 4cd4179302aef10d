// "Load sample data": fills an empty book so a new user sees the whole flow in a minute.

import { api } from './api.js';
import { h, toast } from './dom.js';

export function sampleDataButton() {
  const button = h('button', { type: 'button', id: 'load-sample', onclick: async () => {
    button.disabled = true;
    button.textContent = 'Loading sample data…';
    try {
      const s = await api.loadSampleData();
      toast(`Sample data loaded: ${s.customers} customers, ${s.requests} requests, ${s.payouts} payouts.`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      toast(error.message);
      button.disabled = false;
      button.textContent = 'Load sample data';
    }
  } }, 'Load sample data');
  return button;
}
