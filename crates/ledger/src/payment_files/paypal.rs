//! PayPal's "Payouts Web" upload file: no header; recipient, amount, currency, customer id
//! (the payout number, which PayPal's reports carry back), note, recipient wallet.

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

/// PayPal cuts the note at this many characters.
const NOTE_CHARS: usize = 400;

impl Format for Paypal {
    const KIND: PaymentFileKind = PaymentFileKind::Paypal;
    type Payee = Wallet;

    fn payee(&self, _amount: Money, account: AccountDetails) -> Result<Wallet, Refusal> {
        match account {
            AccountDetails::Digital {
                provider: Provider::Paypal,
                handle,
                ..
            } => Ok(Wallet {
                wallet: "PAYPAL",
                handle,
            }),
            AccountDetails::Digital {
                provider: Provider::Venmo,
                handle,
                handle_kind,
            } => Ok(Wallet {
                wallet: "VENMO",
                handle: match handle_kind {
                    HandleKind::Username => handle.trim_start_matches('@').to_owned(),
                    _ => handle,
                },
            }),
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
            let note: String = l.note.chars().take(NOTE_CHARS).collect();
            csv.write_record([
                l.payee.handle.as_str(),
                &l.amount.amount_text(),
                l.amount.currency().code(),
                &l.number,
                &neutralise(&note),
                l.payee.wallet,
            ])
            .map_err(|e| csv_error(target, e))?;
        }
        csv.flush().map_err(|e| io_error("write", target, e))
    }
}
