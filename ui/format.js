// Display formats. Money arrives from the ledger already as decimal text; nothing here computes
// with amounts.

const STATUS_LABELS = {
  pending: 'Pending',
  on_process: 'On Process',
  success: 'Success',
  failed: 'Failed',
  cancelled: 'Cancelled',
  approved: 'Approved',
  rejected: 'Rejected',
  voided: 'Voided',
};

export const statusLabel = (status) => STATUS_LABELS[status] ?? status;

/** "12.50 USD" */
export const money = (amount) => `${amount.text} ${amount.currency}`;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A stored RFC 3339 time in the user's locale and time zone. */
export const when = (rfc3339) => dateTime.format(new Date(rfc3339));

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** The day of a stored time, for narrow list columns (the full time goes in a tooltip). */
export const day = (rfc3339) => dateOnly.format(new Date(rfc3339));

/** "21–40 of 1,234" */
export function range(page) {
  if (page.total === 0) return 'No rows';
  const first = (page.page - 1) * page.page_size + 1;
  const last = first + page.items.length - 1;
  const n = (x) => x.toLocaleString();
  const total = page.total_exact === false ? `${n(page.total)}+` : n(page.total);
  if (!page.items.length) return page.total_exact === false ? `Page ${page.page} is empty` : `Page ${page.page} is empty · ${total} in all`;
  return `${n(first)}–${n(last)} of ${total}`;
}

/** A fresh random key for one create dialog, so a retried click never makes two records. */
export const newKey = () => crypto.randomUUID();
