// The customer form, for a new customer or an edit, opened from the Customers list and from a
// customer's page (so neither of those imports the other for it).

import { api } from './api.js';
import { h, toast } from './dom.js';
import { formDialog, field } from './dialog.js';
import { newKey } from './format.js';

/** Adds a customer, or edits `customer` when given; `done(saved)` hears the customer saved. */
export function customerDialog(customer, done) {
  const key = newKey();
  const { form } = formDialog({
    title: customer ? `Edit ${customer.number}` : 'Add customer',
    name: customer ? 'edit-customer' : 'add-customer',
    body: h('div', { class: 'fields' },
      field('Username', 'username', { required: true, maxlength: 64, autocomplete: 'off', value: customer?.username ?? '' }),
      field('Name', 'display_name', { required: true, maxlength: 200, value: customer?.display_name ?? '' }),
      field('E-mail', 'email', { type: 'email', maxlength: 254, wide: true, value: customer?.email ?? '' }, '(optional)')),
    onSubmit: async (values) => {
      const c = customer ? await api.editCustomer(customer.id, values) : await api.addCustomer(values, key);
      toast(customer ? `${c.number} saved.` : `Customer ${c.username} added. Add a payment account next.`);
      done(c);
    },
  });
  form.querySelector('[name=username]').focus();
}
