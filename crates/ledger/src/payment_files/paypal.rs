//! PayPal's "Payouts Web" upload file: no header; recipient, amount, currency, customer id
//! (the payout number, which PayPal's reports carry back), note, recipient wallet.
//!
//! PayPal's rules for it: a PayPal recipient is an e-mail address, a phone number or a PayPal
//! payer ID (13 letters and digits), never a username; Venmo pays only US phone numbers and
//! Venmo usernames, only in US dollars; HUF, JPY and TWD amounts are whole; the note is at most
//! 400 characters as written. The note always starts with the payout number (unless it holds
//! it), so the recipient and PayPal's reports both see it.

use std::path::Path;

use super::{Format, Line, Part, PaymentFileKind};
use crate::accounts::{AccountDetails, HandleKind, Provider};
use crate::error::Result;
use crate::export::neutralise;
use crate::files::{csv_error, io_error};
use crate::money::Money;
use crate::refusal::Refusal;

pub(super) struct Paypal;

/// A PayPal or Venmo wallet and the handle it is reached by.
pub(super) struct Wallet {
    wallet: &'static str,
    handle: String,
}

/// PayPal takes a note of at most this many characters.
const NOTE_CHARS: usize = 400;

/// Currencies PayPal pays in whole units only, though ISO 4217 gives them two decimals.
const WHOLE_UNITS: [&str; 2] = ["HUF", "TWD"];

/// A PayPal payer ID: 13 upper-case letters and digits ("A1B2C3D4E5F6G").
fn is_payer_id(handle: &str) -> bool {
    handle.len() == 13
        && handle
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A US phone number as Venmo takes it, ten digits, from "+1 415 555 0132" or "4155550132";
/// `None` for a number of another country.
fn us_phone(phone: &str) -> Option<String> {
    let digits = match phone.strip_prefix('+') {
        Some(rest) => rest.strip_prefix('1')?,
        None => phone,
    };
    (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.to_owned())
}

/// The note as written: made safe for a spreadsheet and at most [`NOTE_CHARS`] characters
/// with the guard counted, with the payout number first unless the written note holds it.
fn note(number: &str, note: &str) -> String {
    let written = |note: &str| -> String { neutralise(note).chars().take(NOTE_CHARS).collect() };
    let as_is = written(note);
    if as_is.contains(number) {
        as_is
    } else {
        written(&format!("{number} {note}"))
    }
}

/// The amount as PayPal takes it: whole units for [`WHOLE_UNITS`] (checked whole by `payee`).
fn amount(amount: Money) -> String {
    let text = amount.amount_text();
    if WHOLE_UNITS.contains(&amount.currency().code()) {
        text.trim_end_matches(".00").to_owned()
    } else {
        text
    }
}

impl Format for Paypal {
    const KIND: PaymentFileKind = PaymentFileKind::Paypal;
    type Payee = Wallet;

    fn payee(&self, amount: Money, account: AccountDetails) -> Result<Wallet, Refusal> {
        let currency = amount.currency().code();
        if WHOLE_UNITS.contains(&currency) && amount.minor() % 100 != 0 {
            return Err(Refusal::WholeUnitsOnly(currency));
        }
        match account {
            AccountDetails::Digital {
                provider: Provider::Paypal,
                handle,
                handle_kind,
            } => match handle_kind {
                HandleKind::Username if !is_payer_id(&handle) => Err(Refusal::PaypalRecipientKind),
                _ => Ok(Wallet {
                    wallet: "PAYPAL",
                    handle,
                }),
            },
            AccountDetails::Digital {
                provider: Provider::Venmo,
                ..
            } if currency != "USD" => Err(Refusal::VenmoUsdOnly(currency)),
            AccountDetails::Digital {
                provider: Provider::Venmo,
                handle,
                handle_kind,
            } => match handle_kind {
                HandleKind::Username => Ok(Wallet {
                    wallet: "VENMO",
                    handle: handle.trim_start_matches('@').to_owned(),
                }),
                HandleKind::Phone => us_phone(&handle)
                    .map(|handle| Wallet {
                        wallet: "VENMO",
                        handle,
                    })
                    .ok_or(Refusal::VenmoRecipientKind),
                HandleKind::Email => Err(Refusal::VenmoRecipientKind),
            },
            _ => Err(Refusal::NotAWallet),
        }
    }

    fn write(
        &self,
        out: &mut Vec<u8>,
        lines: &[Line<Wallet>],
        _part: &Part<'_>,
        target: &Path,
    ) -> Result<()> {
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        for l in lines {
            csv.write_record([
                l.payee.handle.as_str(),
                &amount(l.amount),
                l.amount.currency().code(),
                &l.number,
                &note(&l.number, &l.note),
                l.payee.wallet,
            ])
            .map_err(|e| csv_error(target, e))?;
        }
        csv.flush().map_err(|e| io_error("write", target, e))
    }
}
