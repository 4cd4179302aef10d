//! What an account is: its validated details, their masked form for lists, and the labelled
//! fields a detail view shows.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum Provider {
    Paypal,
    Wise,
    Venmo,
    CashApp,
    Other,
}

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::Paypal => "PayPal",
            Provider::Wise => "Wise",
            Provider::Venmo => "Venmo",
            Provider::CashApp => "Cash App",
            Provider::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum HandleKind {
    Email,
    Phone,
    Username,
}

/// The full, validated details of an account: what a payout snapshots and a reveal shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountDetails {
    Bank {
        holder_name: String,
        bank_name: Option<String>,
        account_number: Option<String>,
        iban: Option<String>,
        routing_number: Option<String>,
        bic: Option<String>,
        country: Option<String>,
    },
    Digital {
        provider: Provider,
        handle_kind: HandleKind,
        handle: String,
    },
}

impl AccountDetails {
    pub fn method(&self) -> &'static str {
        match self {
            AccountDetails::Bank { .. } => "bank",
            AccountDetails::Digital { .. } => "digital",
        }
    }

    /// A one-line description that never shows more than the last four characters of a number
    /// or the first character of a handle: "Bank · Chase · acct •••• 6789".
    pub fn masked(&self) -> String {
        match self {
            AccountDetails::Bank {
                bank_name,
                account_number,
                iban,
                ..
            } => {
                let number = match (iban, account_number) {
                    (Some(iban), _) => format!("IBAN {} •••• {}", &iban[..2], last4(iban)),
                    (None, Some(number)) => format!("acct •••• {}", last4(number)),
                    (None, None) => String::new(),
                };
                match bank_name {
                    Some(bank) => format!("Bank · {bank} · {number}"),
                    None => format!("Bank · {number}"),
                }
            }
            AccountDetails::Digital {
                provider,
                handle_kind,
                handle,
            } => {
                format!(
                    "{} · {}",
                    provider.label(),
                    mask_handle(*handle_kind, handle)
                )
            }
        }
    }
}

/// One labelled field of an account, as the detail panel shows it (and a person copies it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountField {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Shown masked unless revealed.
    pub secret: bool,
}

impl AccountDetails {
    /// The fields of the account, in the order a bank or wallet form asks for them; secret ones
    /// (account number, IBAN, handle) masked unless `reveal`.
    pub fn fields(&self, reveal: bool) -> Vec<AccountField> {
        let plain = |key, label, value: &str| AccountField {
            key,
            label,
            value: value.to_owned(),
            secret: false,
        };
        let secret = |key, label, value: &str, masked: String| AccountField {
            key,
            label,
            value: if reveal { value.to_owned() } else { masked },
            secret: true,
        };
        match self {
            AccountDetails::Bank {
                holder_name,
                bank_name,
                account_number,
                iban,
                routing_number,
                bic,
                country,
            } => [
                Some(plain("holder_name", "Account holder", holder_name)),
                bank_name.as_deref().map(|v| plain("bank_name", "Bank", v)),
                iban.as_deref()
                    .map(|v| secret("iban", "IBAN", v, format!("{} •••• {}", &v[..2], last4(v)))),
                account_number.as_deref().map(|v| {
                    secret(
                        "account_number",
                        "Account number",
                        v,
                        format!("•••• {}", last4(v)),
                    )
                }),
                routing_number
                    .as_deref()
                    .map(|v| plain("routing_number", "Routing number", v)),
                bic.as_deref().map(|v| plain("bic", "SWIFT/BIC", v)),
                country.as_deref().map(|v| plain("country", "Country", v)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            AccountDetails::Digital {
                provider,
                handle_kind,
                handle,
            } => {
                let label = match handle_kind {
                    HandleKind::Email => "Email",
                    HandleKind::Phone => "Phone",
                    HandleKind::Username => "Username",
                };
                vec![
                    plain("provider", "Provider", provider.label()),
                    secret("handle", label, handle, mask_handle(*handle_kind, handle)),
                ]
            }
        }
    }
}

fn last4(value: &str) -> &str {
    let start = value.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    &value[start..]
}

fn mask_handle(kind: HandleKind, handle: &str) -> String {
    match kind {
        HandleKind::Email => match handle.split_once('@') {
            Some((local, domain)) => {
                format!("{}•••@{domain}", local.chars().next().unwrap_or('•'))
            }
            None => "•••".into(),
        },
        HandleKind::Phone => format!("•••• {}", last4(handle)),
        HandleKind::Username => {
            let first: String = handle.chars().take(2).collect();
            format!("{first}•••")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_tail() {
        let bank = AccountDetails::Bank {
            holder_name: "Ada".into(),
            bank_name: Some("Chase".into()),
            account_number: Some("000123456789".into()),
            iban: None,
            routing_number: None,
            bic: None,
            country: None,
        };
        assert_eq!(bank.masked(), "Bank · Chase · acct •••• 6789");
        let paypal = AccountDetails::Digital {
            provider: Provider::Paypal,
            handle_kind: HandleKind::Email,
            handle: "jane@example.com".into(),
        };
        assert_eq!(paypal.masked(), "PayPal · j•••@example.com");
        assert_eq!(last4("ab"), "ab");
    }
}
