//! What a payout becoming Success records of the payment: the day it was really paid, how, and
//! what it cost (issue 14, item 4).
//!
//! Invariants: a Success payout has a paid-on day that no time zone had yet to reach when it
//! was recorded; a fee is zero or more, in an ISO 4217 currency with no more decimals than
//! that currency has; a way of paying left unsaid is the way the payout's account is paid.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::lifecycle::PaidVia;
use crate::money::{Currency, Money};

/// What the owner says of a payment when marking a payout Success. Each field may be left
/// empty: paid today, the way the payout's account is paid, no fee.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Payment {
    /// `YYYY-MM-DD`: today or earlier.
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub paid_via: Option<PaidVia>,
    /// Decimal text, zero or more; empty for no fee.
    #[serde(default)]
    pub fee: String,
    /// ISO 4217; empty for the payout's currency.
    #[serde(default)]
    pub fee_currency: String,
}

/// A payment as a move to Success writes it: from the owner (checked) or from a statement.
pub(crate) struct Settlement {
    /// `None`: the day of the change.
    pub(crate) paid_on: Option<NaiveDate>,
    /// `None`: the way the payout's account is paid.
    pub(crate) via: Option<PaidVia>,
    pub(crate) fee: Option<Fee>,
}

/// A fee, as said or as a statement carries it.
pub(crate) enum Fee {
    /// In minor units of the payout's currency (a statement line is in it).
    OfPayout(i64),
    /// Typed by the owner; `None` for the payout's currency, whose decimals it is read with
    /// when the payout is known.
    Typed(String, Option<Currency>),
}

/// The way a payout's account is paid, as SQL over a `payouts` row: a bank account by bank
/// transfer, PayPal and Venmo (which PayPal Payouts pays) by PayPal, Wise by Wise, any other
/// wallet otherwise.
pub(crate) const USUAL_VIA: &str = "CASE WHEN method = 'bank' THEN 'bank_transfer'
          WHEN account_snapshot ->> '$.provider' IN ('paypal', 'venmo') THEN 'paypal'
          WHEN account_snapshot ->> '$.provider' = 'wise' THEN 'wise'
          ELSE 'other' END";

/// The latest day it is anywhere on Earth at `now` (UTC+14): a payment recorded at `now` was
/// made that day or before, whatever the owner's time zone.
fn latest_day(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(14)).date_naive()
}

impl Payment {
    /// Checks what the owner typed, as of `now`.
    pub(crate) fn settlement(&self, now: DateTime<Utc>) -> Result<Settlement> {
        let paid_on = match self.paid_on.trim() {
            "" => None,
            day => {
                let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                    Error::validation("paid_on", "Write the day it was paid as YYYY-MM-DD.")
                })?;
                if day > latest_day(now) {
                    return Err(Error::validation(
                        "paid_on",
                        format!("{day} has not come yet; a payout is marked paid once it is."),
                    ));
                }
                Some(day)
            }
        };
        let fee = match self.fee.trim() {
            "" => None,
            fee => {
                let currency = match self.fee_currency.trim() {
                    "" => None,
                    code => Some(Currency::from_code(&code.to_uppercase()).ok_or_else(|| {
                        Error::validation(
                            "fee_currency",
                            format!(
                                "{code:?} is not an ISO 4217 currency code, such as USD or EUR."
                            ),
                        )
                    })?),
                };
                let fee = Fee::Typed(fee.to_owned(), currency);
                if let Some(currency) = currency {
                    fee.money(currency)?;
                }
                Some(fee)
            }
        };
        Ok(Settlement {
            paid_on,
            via: self.paid_via,
            fee,
        })
    }
}

impl Fee {
    /// The fee of a payout in `payout_currency`.
    pub(crate) fn money(&self, payout_currency: Currency) -> Result<Money> {
        match self {
            Fee::OfPayout(minor) => Ok(Money::from_minor(*minor, payout_currency)),
            Fee::Typed(text, currency) => {
                let currency = currency.unwrap_or(payout_currency);
                let fee = Money::typed(text, currency)
                    .map_err(|e| Error::validation("fee", format!("Fee: {e}")))?;
                if fee.minor() < 0 {
                    return Err(Error::validation("fee", "A fee is zero or more."));
                }
                if fee.minor() > Money::most(currency).minor() {
                    return Err(Error::validation(
                        "fee",
                        "That fee is more than any one amount can be.",
                    ));
                }
                Ok(fee)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn payment(paid_on: &str, fee: &str, fee_currency: &str) -> Payment {
        Payment {
            paid_on: paid_on.into(),
            paid_via: None,
            fee: fee.into(),
            fee_currency: fee_currency.into(),
        }
    }

    fn field(result: Result<Settlement>) -> &'static str {
        result.err().and_then(|e| e.field()).expect("refused")
    }

    #[test]
    fn a_day_no_time_zone_has_reached_is_refused() {
        // 2026-03-01 11:00 UTC: already 2 March in Kiribati (UTC+14), not yet 3 March anywhere.
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 11, 0, 0).unwrap();
        for day in ["2026-03-01", "2026-03-02", "2020-01-31"] {
            assert!(payment(day, "", "").settlement(now).is_ok(), "{day}");
        }
        for day in ["2026-03-03", "2027-01-01"] {
            assert_eq!(
                field(payment(day, "", "").settlement(now)),
                "paid_on",
                "{day}"
            );
        }
        for day in ["1/3/2026", "2026-02-30", "yesterday"] {
            assert_eq!(
                field(payment(day, "", "").settlement(now)),
                "paid_on",
                "{day}"
            );
        }
    }

    #[test]
    fn a_fee_is_read_in_its_own_currency() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 11, 0, 0).unwrap();
        let usd = Currency::from_code("USD").unwrap();
        let fee = |text, code| {
            payment("", text, code)
                .settlement(now)
                .map(|s| s.fee.map(|f| f.money(usd).unwrap().to_string()))
        };
        assert_eq!(fee("", "EUR").unwrap(), None);
        assert_eq!(fee("0.35", "").unwrap().as_deref(), Some("0.35 USD"));
        assert_eq!(fee("2.5", "eur").unwrap().as_deref(), Some("2.50 EUR"));
        assert_eq!(fee("150", "JPY").unwrap().as_deref(), Some("150 JPY"));
        assert_eq!(fee("0", "").unwrap().as_deref(), Some("0.00 USD"));
        assert_eq!(field(payment("", "1.5", "JPY").settlement(now)), "fee");
        assert_eq!(field(payment("", "-1", "EUR").settlement(now)), "fee");
        assert_eq!(
            field(payment("", "1", "EURO").settlement(now)),
            "fee_currency"
        );
        // Without a currency, the payout's decimals decide when it is known.
        let typed = payment("", "0.5", "").settlement(now).unwrap().fee.unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(typed.money(jpy).unwrap_err().field(), Some("fee"));
    }
}
