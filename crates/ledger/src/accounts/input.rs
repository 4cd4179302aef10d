//! What the user types for an account, and how it is checked and normalised into
//! [`AccountDetails`].

use serde::Deserialize;

use super::{AccountDetails, HandleKind, Provider};
use crate::error::{Error, Result};
use crate::text::{self, Lines};
use crate::validate;

/// What the user types for a new account. Empty strings mean "not given".
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountInput {
    Bank {
        holder_name: String,
        #[serde(default)]
        bank_name: String,
        #[serde(default)]
        account_number: String,
        #[serde(default)]
        iban: String,
        #[serde(default)]
        routing_number: String,
        #[serde(default)]
        bic: String,
        #[serde(default)]
        country: String,
    },
    Digital {
        provider: Provider,
        handle_kind: HandleKind,
        handle: String,
    },
}

pub(crate) fn clean(input: &AccountInput) -> Result<AccountDetails> {
    let field = |name: &'static str, label: &str, value: &str, max: usize| {
        text::optional(name, label, value, max, Lines::One)
    };
    let check =
        |name: &'static str, value: Option<String>, rule: fn(&str) -> Result<String, String>| {
            value
                .map(|v| rule(&v).map_err(|message| Error::validation(name, message)))
                .transpose()
        };
    match input {
        AccountInput::Bank {
            holder_name,
            bank_name,
            account_number,
            iban,
            routing_number,
            bic,
            country,
        } => {
            let holder_name = text::required(
                "holder_name",
                "Account holder",
                holder_name,
                140,
                Lines::One,
            )?;
            let bank_name = field("bank_name", "Bank name", bank_name, 140)?;
            let account_number = field("account_number", "Account number", account_number, 34)?
                .map(|n| n.chars().filter(|c| !c.is_whitespace()).collect::<String>());
            if let Some(n) = &account_number {
                if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(Error::validation(
                        "account_number",
                        "An account number has only letters, digits and dashes.",
                    ));
                }
            }
            let iban = check("iban", field("iban", "IBAN", iban, 42)?, validate::iban)?;
            let routing_number = check(
                "routing_number",
                field("routing_number", "Routing number", routing_number, 11)?,
                validate::routing_number,
            )?;
            let bic = check("bic", field("bic", "SWIFT/BIC", bic, 14)?, validate::bic)?;
            let country = field("country", "Country", country, 2)?.map(|c| c.to_uppercase());
            if let Some(c) = &country {
                if !validate::is_country(c) {
                    return Err(Error::validation(
                        "country",
                        format!("{c} is not a country code; use the two-letter one, such as DE, GB or US."),
                    ));
                }
            }
            if account_number.is_none() && iban.is_none() {
                return Err(Error::validation(
                    "account_number",
                    "Enter an account number or an IBAN.",
                ));
            }
            if let (Some(iban), Some(country)) = (&iban, &country) {
                if !iban.starts_with(country.as_str()) {
                    return Err(Error::validation(
                        "iban",
                        format!("This IBAN is from {}, not {country}.", &iban[..2]),
                    ));
                }
            }
            if let (Some(bic), Some(country)) = (&bic, &country) {
                if &bic[4..6] != country {
                    return Err(Error::validation(
                        "bic",
                        format!("This BIC is for a bank in {}, not {country}.", &bic[4..6]),
                    ));
                }
            }
            Ok(AccountDetails::Bank {
                holder_name,
                bank_name,
                account_number,
                iban,
                routing_number,
                bic,
                country,
            })
        }
        AccountInput::Digital {
            provider,
            handle_kind,
            handle,
        } => {
            let raw = text::required("handle", "Handle", handle, 254, Lines::One)?;
            let handle = match handle_kind {
                HandleKind::Email if text::is_email(&raw) => Ok(raw),
                HandleKind::Email => {
                    Err("This is not an e-mail address, such as name@example.com.".to_owned())
                }
                HandleKind::Phone => validate::phone(&raw),
                HandleKind::Username => validate::wallet_username(&raw),
            }
            .map_err(|message| Error::validation("handle", message))?;
            Ok(AccountDetails::Digital {
                provider: *provider,
                handle_kind: *handle_kind,
                handle,
            })
        }
    }
}
