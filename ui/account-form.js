// The payment account form, for a new account or an edit. The ledger validates every field
// (IBAN mod-97 and length, BIC shape and country, US routing checksum, handle by kind) and its
// error lands next to the field it names.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { formDialog, field, choose } from './dialog.js';
import { newKey } from './format.js';

// A new account starts from what the book knows of the customer (`prefill`): the holder's
// name, the wallet's e-mail address.
const BANK_FIELDS = (prefill = {}) => [
  field('Account holder', 'holder_name', { maxlength: 140, wide: true, value: prefill.name ?? '' }),
  field('Bank name', 'bank_name', { maxlength: 140 }),
  field('Country', 'country', { maxlength: 2, placeholder: 'DE' }, '(2 letters)'),
  field('IBAN', 'iban', { maxlength: 42, autocomplete: 'off', wide: true }),
  field('Account number', 'account_number', { maxlength: 34, autocomplete: 'off' }),
  field('Routing number', 'routing_number', { maxlength: 11, autocomplete: 'off' }, '(US)'),
  field('SWIFT/BIC', 'bic', { maxlength: 14, autocomplete: 'off' }),
];

const DIGITAL_FIELDS = (prefill = {}) => [
  choose('Provider', 'provider', [['paypal', 'PayPal'], ['wise', 'Wise'], ['venmo', 'Venmo'], ['cash_app', 'Cash App'], ['other', 'Other']]),
  choose('Paid to their', 'handle_kind', [['email', 'E-mail address'], ['phone', 'Phone number'], ['username', 'Username']]),
  field('Address, number or username', 'handle', { maxlength: 254, autocomplete: 'off', wide: true, value: prefill.email ?? '' }, '(as the provider knows them)'),
];

const PROVIDERS = { PayPal: 'paypal', Wise: 'wise', Venmo: 'venmo', 'Cash App': 'cash_app', Other: 'other' };
const HANDLE_KINDS = { Email: 'email', Phone: 'phone', Username: 'username' };

/**
 * Opens the form for `customer`. With `existing` (an account summary) and its revealed
 * `fields`, the form edits that account, filled in.
 */
export function accountDialog(customer, done, existing = null, fields = []) {
  const kind = choose('Kind', 'kind', [['bank', 'Bank account'], ['digital', 'Digital wallet']], { wide: true });
  const select = kind.querySelector('select');
  const prefill = existing ? {} : { name: customer.display_name, email: customer.email ?? '' };
  const specific = h('div', { class: 'fields wide' }, BANK_FIELDS(prefill));
  select.addEventListener('change', () => replace(specific, select.value === 'bank' ? BANK_FIELDS(prefill) : DIGITAL_FIELDS(prefill)));
  const key = newKey();
  const { form } = formDialog({
    title: existing ? `Edit ${existing.number} of ${customer.display_name}` : `Payment account for ${customer.display_name}`,
    name: existing ? 'edit-account' : 'add-account',
    body: h('div', { class: 'fields' }, kind, specific,
      existing ? h('p', { class: 'muted wide small' }, 'Payouts already made to this account keep the details they were made with.') : null),
    onSubmit: async (values) => {
      const a = existing
        ? await api.editPaymentAccount(existing.id, values)
        : await api.addPaymentAccount(customer.id, values, key);
      toast(existing ? `${a.number} saved: ${a.masked}.` : `Account ${a.masked} added${a.is_default ? ' as the default' : ''}.`);
      done();
    },
  });
  if (existing) {
    select.value = existing.method;
    select.dispatchEvent(new Event('change'));
    for (const f of fields) {
      const value = f.key === 'provider' ? PROVIDERS[f.value] : f.value;
      const input = form.querySelector(`[name="${f.key}"]`);
      if (input) input.value = value;
      if (f.key === 'handle') form.querySelector('[name=handle_kind]').value = HANDLE_KINDS[f.label] ?? 'email';
    }
  }
  select.focus();
}
