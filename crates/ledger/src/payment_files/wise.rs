//! Wise's batch payment template "send to bank accounts": the common columns, then the bank
//! columns the file's payees need (IBAN; or ABA routing, account number, account type and
//! address for US accounts). The recipient gets the exact amount (`amountCurrency` = target)
//! and the payment reference is the payout number.
//!
//! An IBAN is paid in its country's currency only (a DE IBAN in EUR, a GB one in GBP); names
//! are written in Latin letters (Wise's recipients are matched by banks that take no other),
//! without a spreadsheet guard (a provider's upload takes the name as written: a leading `=`
//! or `+` is dropped instead); a recipient whose name ends like a company's (GmbH, Ltd, LLC,
//! S.A. …) is a BUSINESS, any other a PERSON.

use std::path::Path;

use super::{Format, Line, Part, PaymentFileKind};
use crate::accounts::AccountDetails;
use crate::error::Result;
use crate::files::{csv_error, io_error};
use crate::money::{Currency, Money};
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
            } => {
                let theirs = Currency::of_country(&iban[..2]);
                if !theirs.contains(&amount.currency()) {
                    return Err(Refusal::WiseIbanCurrency {
                        country: iban[..2].to_owned(),
                        local: theirs
                            .iter()
                            .map(|c| c.code())
                            .collect::<Vec<_>>()
                            .join(" or "),
                        currency: amount.currency().code(),
                    });
                }
                Ok(BankAccount::Iban {
                    holder: holder_name,
                    iban,
                })
            }
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
                name(holder),
                String::new(),
                l.number.clone(),
                receiver_type(holder).into(),
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

/// A recipient's name as Wise takes it: Latin letters (transliterated), and no leading
/// character a spreadsheet would read as a formula.
fn name(holder: &str) -> String {
    let latin = super::sepa_text(holder, 140);
    latin
        .trim_start_matches(['=', '+', '-', '@', ' '])
        .to_owned()
}

/// Endings of company names in the countries Wise pays most.
const COMPANY_ENDINGS: [&str; 22] = [
    "gmbh", "ag", "kg", "ug", "ltd", "limited", "llc", "inc", "corp", "co", "plc", "llp", "sa",
    "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "as", "oy",
];

/// BUSINESS when the name ends like a company's ("Acme Ltd.", "Müller GmbH"), else PERSON.
fn receiver_type(holder: &str) -> &'static str {
    let last = holder
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_lowercase()
        .replace('.', "");
    if COMPANY_ENDINGS.contains(&last.as_str()) {
        "BUSINESS"
    } else {
        "PERSON"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_latin_without_a_formula_start_and_companies_are_businesses() {
        assert_eq!(name("=Acme Ltd"), "Acme Ltd");
        assert_eq!(name("Zoë Åberg"), "Zoe Aberg");
        assert_eq!(name("Дмитрий Иванов"), "Dmitrii Ivanov");
        assert_eq!(receiver_type("Acme Ltd."), "BUSINESS");
        assert_eq!(receiver_type("Müller Bau GmbH"), "BUSINESS");
        assert_eq!(receiver_type("Acme, S.A."), "BUSINESS");
        assert_eq!(receiver_type("Ada Lovelace"), "PERSON");
        assert_eq!(receiver_type("Gmbhson Smith"), "PERSON");
    }
}
