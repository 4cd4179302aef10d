//! Wise's batch payment template "send to bank accounts": the common columns, then the bank
//! columns the file's payees need (IBAN; or ABA routing, account number, account type and
//! address for US accounts). The recipient gets the exact amount (`amountCurrency` = target)
//! and the payment reference is the payout number.

use std::path::Path;

use super::{Format, Line, Part, PaymentFileKind};
use crate::accounts::AccountDetails;
use crate::error::Result;
use crate::export::neutralise;
use crate::files::{csv_error, io_error};
use crate::money::Money;
use crate::refusal::Refusal;

pub(super) struct Wise;

/// A bank account Wise can pay.
pub(super) enum BankAccount {
    Iban {
        holder: String,
        iban: String,
    },
    /// A US account, by ABA routing number; paid in USD only.
    Us {
        holder: String,
        routing: String,
        account: String,
    },
}

const COMMON: [&str; 8] = [
    "name",
    "recipientEmail",
    "paymentReference",
    "receiverType",
    "amountCurrency",
    "amount",
    "sourceCurrency",
    "targetCurrency",
];
const US: [&str; 8] = [
    "abartn",
    "accountNumber",
    "accountType",
    "addressCountryCode",
    "addressCity",
    "addressFirstLine",
    "addressState",
    "addressPostCode",
];

impl Format for Wise {
    const KIND: PaymentFileKind = PaymentFileKind::Wise;
    type Payee = BankAccount;

    fn payee(&self, amount: Money, account: AccountDetails) -> Result<BankAccount, Refusal> {
        match account {
            AccountDetails::Digital { provider, .. } => {
                Err(Refusal::NotABankAccount(provider.label()))
            }
            AccountDetails::Bank {
                holder_name,
                iban: Some(iban),
                ..
            } => Ok(BankAccount::Iban {
                holder: holder_name,
                iban,
            }),
            AccountDetails::Bank {
                holder_name,
                routing_number: Some(routing),
                account_number: Some(account),
                ..
            } if amount.currency().code() == "USD" => Ok(BankAccount::Us {
                holder: holder_name,
                routing,
                account,
            }),
            AccountDetails::Bank { .. } => Err(Refusal::NoWiseBankDetails),
        }
    }

    fn write(
        &self,
        out: &mut Vec<u8>,
        lines: &[Line<BankAccount>],
        _part: &Part<'_>,
        target: &Path,
    ) -> Result<()> {
        let any_iban = lines
            .iter()
            .any(|l| matches!(l.payee, BankAccount::Iban { .. }));
        let any_us = lines
            .iter()
            .any(|l| matches!(l.payee, BankAccount::Us { .. }));
        let mut header: Vec<&str> = COMMON.to_vec();
        if any_iban {
            header.push("IBAN");
        }
        if any_us {
            header.extend(US);
        }
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(&header)
            .map_err(|e| csv_error(target, e))?;
        for l in lines {
            let code = l.amount.currency().code();
            let (holder, iban, us) = match &l.payee {
                BankAccount::Iban { holder, iban } => (holder, iban.as_str(), None),
                BankAccount::Us {
                    holder,
                    routing,
                    account,
                } => (holder, "", Some((routing, account))),
            };
            let mut row: Vec<String> = vec![
                neutralise(holder).into_owned(),
                String::new(),
                l.number.clone(),
                "PERSON".into(),
                "target".into(),
                l.amount.amount_text(),
                code.into(),
                code.into(),
            ];
            if any_iban {
                row.push(iban.into());
            }
            if any_us {
                let (routing, account) = us.map_or(("", ""), |(r, a)| (r.as_str(), a.as_str()));
                row.extend([routing.into(), account.into()]);
                row.extend(std::iter::repeat_n(String::new(), US.len() - 2));
            }
            csv.write_record(&row).map_err(|e| csv_error(target, e))?;
        }
        csv.flush().map_err(|e| io_error("write", target, e))
    }

    fn notes(&self, lines: &[&Line<BankAccount>]) -> Vec<String> {
        if lines
            .iter()
            .any(|l| matches!(l.payee, BankAccount::Us { .. }))
        {
            vec![
                "Wise asks for the address and account type (checking or savings) of US bank \
                 recipients: the book keeps neither, so fill those columns in before uploading."
                    .into(),
            ]
        } else {
            Vec::new()
        }
    }
}
