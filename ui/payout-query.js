// The Payouts screen's search, filters, page, sort and selection, kept while the app runs so
// they survive other screens. A module of its own because the Reconciliation screen exports
// what they select, and the two screens should not import each other.

import { statusLabel } from './format.js';

export const state = {
  // `cursor` says where a page after the first starts (see pager.js); page 1 is always the top.
  page: 1, page_size: 10, sort: 'newest_first', cursor: null,
  search: '', statuses: [], currency: '', from: '', to: '',
  // The selected payouts' ids, each with its amount (for their total).
  selected: new Map(),
};

/** A local calendar day (YYYY-MM-DD) as the instant it starts, `days` later. */
function dayStart(day, days = 0) {
  if (!day) return null;
  const d = new Date(`${day}T00:00`);
  d.setDate(d.getDate() + days);
  return d.toISOString();
}

/** The list query: search, filters, sort and page (an export ignores the page). */
export function currentQuery() {
  return {
    page: state.page, page_size: state.page_size, sort: state.sort,
    cursor: state.page > 1 ? state.cursor : null,
    search: state.search, statuses: state.statuses, currency: state.currency || null,
    created_from: dayStart(state.from), created_before: dayStart(state.to, 1),
  };
}

/** The search and filters in words: "Now: Success, EUR, from 2026-11-01." */
export function describeFilters() {
  const parts = [
    state.search.trim() && `search “${state.search.trim()}”`,
    state.statuses.length && state.statuses.map(statusLabel).join(' or '),
    state.currency,
    state.from && `from ${state.from}`,
    state.to && `to ${state.to}`,
  ].filter(Boolean);
  return parts.length ? `Now: ${parts.join(', ')}.` : 'Now: no search or filter, so every payout.';
}
