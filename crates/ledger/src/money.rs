//! Money: an `i64` count of minor units and an ISO 4217 currency, never a float.
//!
//! Decimal text is parsed and formatted with the currency's own exponent (USD 2, JPY 0, KWD 3),
//! so "12.50 USD" is 1250 and "12.505 USD" is refused rather than rounded. Arithmetic is checked:
//! an overflow is an error, never a wrap.

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::error::Error;

/// An ISO 4217 currency that has a minor unit (so not gold, SDRs or the testing code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    iso: iso_currency::Currency,
    exponent: u32,
}

impl Currency {
    /// Looks a code up case-insensitively; `None` for unknown codes and for codes without a
    /// minor unit (XAU, XDR, XTS, ...), which no payout can be made in.
    pub fn from_code(code: &str) -> Option<Currency> {
        let code = code.trim();
        if code.len() != 3 {
            return None;
        }
        let iso = iso_currency::Currency::from_code(&code.to_ascii_uppercase())?;
        let exponent = u32::from(iso.exponent()?);
        Some(Currency { iso, exponent })
    }

    pub fn code(self) -> &'static str {
        self.iso.code()
    }

    pub fn name(self) -> String {
        self.iso.name().to_owned()
    }

    /// Digits after the decimal point: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u32 {
        self.exponent
    }

    /// The currencies of the country with ISO 3166 code `country` ("DE" → EUR); empty for an
    /// unknown code.
    pub fn of_country(country: &str) -> Vec<Currency> {
        country
            .parse::<iso_currency::Country>()
            .map(|c| {
                iso_currency::Currency::from_country(c)
                    .into_iter()
                    .filter_map(|iso| Currency::from_code(iso.code()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every currency a payout can be made in, sorted by code.
    pub fn all() -> Vec<Currency> {
        let mut all: Vec<Currency> =
            <iso_currency::Currency as iso_currency::IntoEnumIterator>::iter()
                .filter_map(|iso: iso_currency::Currency| Currency::from_code(iso.code()))
                .collect();
        all.sort_by_key(|c| c.code());
        all
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Why a piece of decimal text is not an amount in a currency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Enter an amount, such as 12.50.")]
    Empty,
    #[error("Use digits and one decimal point or comma, such as 1250.00 or 12,50 (no thousands separators).")]
    NotANumber,
    #[error("{currency} has {allowed} decimal places; this amount has more.")]
    TooManyDecimals { currency: Currency, allowed: u32 },
    #[error("The amount is too large.")]
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Parses decimal text ("12.5", "-0.05", "1200") in `currency`, refusing more decimals than
    /// the currency has instead of rounding.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, AmountError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty())
            || !all_digits(whole)
            || !all_digits(fraction)
            || (digits.contains('.') && fraction.is_empty())
        {
            return Err(AmountError::NotANumber);
        }
        let exponent = currency.exponent();
        let significant = fraction.trim_end_matches('0');
        if significant.len() > exponent as usize {
            return Err(AmountError::TooManyDecimals {
                currency,
                allowed: exponent,
            });
        }
        let mut minor: i64 = 0;
        let padded = fraction.bytes().chain(std::iter::repeat(b'0'));
        for b in whole.bytes().chain(padded.take(exponent as usize)) {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(b - b'0')))
                .ok_or(AmountError::TooLarge)?;
        }
        Ok(Money {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    /// Parses an amount a person typed: as [`Money::parse`], and with a decimal comma ("12,50")
    /// where the comma cannot be a thousands separator (one comma, no point, no more digits
    /// after it than the currency has decimals).
    pub fn typed(text: &str, currency: Currency) -> Result<Money, AmountError> {
        let text = text.trim();
        let decimals = text.split_once(',').map(|(_, after)| after);
        match decimals {
            Some(after)
                if !text.contains('.')
                    && text.matches(',').count() == 1
                    && (1..=currency.exponent() as usize).contains(&after.len()) =>
            {
                Money::parse(&text.replacen(',', ".", 1), currency)
            }
            _ => Money::parse(text, currency),
        }
    }

    /// Money read back from the book; the CHECKs make a bad code a sign of outside tampering.
    pub(crate) fn stored(minor: i64, code: &str) -> crate::Result<Money> {
        let currency = Currency::from_code(code).ok_or_else(|| {
            Error::Storage(format!("The book holds an unknown currency code {code:?}."))
        })?;
        Ok(Money::from_minor(minor, currency))
    }

    /// Parses a positive amount typed by a person, naming the form fields (`amount`,
    /// `currency`) in errors.
    pub(crate) fn positive(amount: &str, currency: &str) -> crate::Result<Money> {
        let currency = Currency::from_code(currency).ok_or_else(|| {
            Error::validation(
                "currency",
                format!(
                    "{:?} is not an ISO 4217 currency code, such as USD or EUR.",
                    currency.trim()
                ),
            )
        })?;
        let money = Money::typed(amount, currency)
            .map_err(|e| Error::validation("amount", e.to_string()))?;
        if money.minor() <= 0 {
            return Err(Error::validation(
                "amount",
                "The amount must be more than zero.",
            ));
        }
        let most = Money::most(currency);
        if money.minor() > most.minor() {
            return Err(Error::validation(
                "amount",
                format!(
                    "The most one request or reward can be is {} {}; this is more.",
                    grouped(&most.amount_text()),
                    currency.code()
                ),
            ));
        }
        Ok(money)
    }

    /// The business ceiling of one amount in `currency`: 999,999,999 in major units with
    /// every decimal the currency has (999,999,999.99 EUR, 999,999,999 JPY). A million
    /// payouts at the ceiling still total less than `i64::MAX` minor units, so no total
    /// overflows.
    pub fn most(currency: Currency) -> Money {
        Money::from_minor(10_i64.pow(9 + currency.exponent()) - 1, currency)
    }

    /// The amount as decimal text with exactly the currency's number of decimals ("12.50").
    pub fn amount_text(self) -> String {
        format_minor(self.minor, self.currency.exponent())
    }

    /// Adds two amounts of the same currency; `None` on a currency mismatch or an overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Money {
            minor: self.minor.checked_add(other.minor)?,
            currency: self.currency,
        })
    }
}

/// "999,999,999.99" for "999999999.99": the whole part grouped by thousands, for messages.
fn grouped(amount: &str) -> String {
    let (whole, fraction) = match amount.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (amount, None),
    };
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{out}.{fraction}"),
        None => out,
    }
}

/// Formats a minor-unit count with `exponent` decimals, without going through a float.
pub fn format_minor(minor: i64, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

/// Shares `total` minor units out in proportion to `weights` (each ≥ 0), to the minor unit:
/// each share is its exact part rounded down, and the units left over go one each to the
/// largest remainders (the earlier on a tie), so the shares always add up to `total`. A
/// bank's charges for a whole payment file are split over its payouts this way.
pub fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|&w| i128::from(w.max(0))).sum();
    if sum == 0 {
        let mut shares = vec![0; weights.len()];
        if let Some(first) = shares.first_mut() {
            *first = total;
        }
        return shares;
    }
    let exact: Vec<(i128, i128)> = weights
        .iter()
        .map(|&w| {
            let part = i128::from(total) * i128::from(w.max(0));
            (part.div_euclid(sum), part.rem_euclid(sum))
        })
        .collect();
    let mut shares: Vec<i64> = exact
        .iter()
        .map(|&(whole, _)| i64::try_from(whole).expect("a share is at most the total"))
        .collect();
    let left = total - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(exact[i].1));
    for &i in order.iter().take(usize::try_from(left).unwrap_or(0)) {
        shares[i] += 1;
    }
    shares
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency)
    }
}

/// `{ "minor": 1250, "currency": "USD", "text": "12.50" }`: the UI never does money arithmetic.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Money", 3)?;
        s.serialize_field("minor", &self.minor)?;
        s.serialize_field("currency", &self.currency)?;
        s.serialize_field("text", &self.amount_text())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(cur("USD").exponent(), 2);
        assert_eq!(cur("jpy").exponent(), 0);
        assert_eq!(cur("KWD").exponent(), 3);
        assert!(
            Currency::from_code("XAU").is_none(),
            "gold has no minor unit"
        );
        assert!(Currency::from_code("ABC").is_none());
        assert!(Currency::from_code("US").is_none());
        assert!(Currency::all().iter().any(|c| c.code() == "EUR"));
    }

    #[test]
    fn a_typed_amount_may_have_a_decimal_comma_where_it_cannot_group() {
        let (eur, jpy, kwd) = (cur("EUR"), cur("JPY"), cur("KWD"));
        assert_eq!(Money::typed("12,50", eur).unwrap().minor(), 1250);
        assert_eq!(Money::typed(" 12,5 ", eur).unwrap().minor(), 1250);
        assert_eq!(Money::typed("12.50", eur).unwrap().minor(), 1250);
        assert_eq!(Money::typed("1,234", kwd).unwrap().minor(), 1234);
        // A comma that may group thousands, or that is not the only separator, is refused.
        for (text, currency) in [
            ("1,234", eur),
            ("1,50", jpy),
            ("1.234,50", eur),
            ("1,234,50", eur),
            ("12,", eur),
        ] {
            assert_eq!(
                Money::typed(text, currency),
                Err(AmountError::NotANumber),
                "{text}"
            );
        }
    }

    #[test]
    fn parses_decimal_text_by_the_currency_exponent() {
        let usd = cur("USD");
        assert_eq!(Money::parse("12.50", usd).unwrap().minor(), 1250);
        assert_eq!(Money::parse("12.5", usd).unwrap().minor(), 1250);
        assert_eq!(Money::parse(" 7 ", usd).unwrap().minor(), 700);
        assert_eq!(Money::parse(".05", usd).unwrap().minor(), 5);
        assert_eq!(Money::parse("-0.05", usd).unwrap().minor(), -5);
        assert_eq!(Money::parse("12.500", usd).unwrap().minor(), 1250);
        assert_eq!(Money::parse("1200", cur("JPY")).unwrap().minor(), 1200);
        assert_eq!(Money::parse("1.234", cur("KWD")).unwrap().minor(), 1234);
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        let usd = cur("USD");
        assert_eq!(Money::parse("", usd), Err(AmountError::Empty));
        assert!(matches!(
            Money::parse("12.505", usd),
            Err(AmountError::TooManyDecimals { allowed: 2, .. })
        ));
        assert!(matches!(
            Money::parse("1.5", cur("JPY")),
            Err(AmountError::TooManyDecimals { allowed: 0, .. })
        ));
        for bad in [
            "abc", "1,000.00", "1.2.3", "12.", ".", "1e3", "NaN", "--1", "１２",
        ] {
            assert_eq!(
                Money::parse(bad, usd),
                Err(AmountError::NotANumber),
                "{bad}"
            );
        }
        assert_eq!(
            Money::parse("99999999999999999999", usd),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn formats_with_exactly_the_currency_decimals() {
        assert_eq!(Money::from_minor(1250, cur("USD")).amount_text(), "12.50");
        assert_eq!(Money::from_minor(-5, cur("USD")).amount_text(), "-0.05");
        assert_eq!(Money::from_minor(1200, cur("JPY")).amount_text(), "1200");
        assert_eq!(Money::from_minor(1234, cur("KWD")).amount_text(), "1.234");
        assert_eq!(
            Money::from_minor(i64::MIN, cur("USD")).amount_text(),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn adds_only_within_one_currency() {
        let a = Money::from_minor(100, cur("USD"));
        assert_eq!(a.checked_add(a).unwrap().minor(), 200);
        assert!(a.checked_add(Money::from_minor(1, cur("EUR"))).is_none());
        assert!(Money::from_minor(i64::MAX, cur("USD"))
            .checked_add(a)
            .is_none());
    }

    #[test]
    fn a_fee_is_shared_in_proportion_and_adds_up() {
        // 0.75 over 12.50, 20.00 and 7.25: 0.2358…, 0.3773…, 0.1367… → 0.23 + 0.37 + 0.13 =
        // 0.73, and the two cents left go to the largest remainders (0.3773…, 0.1367…).
        assert_eq!(allocate(75, &[1250, 2000, 725]), vec![23, 38, 14]);
        assert_eq!(allocate(0, &[1250, 2000]), vec![0, 0]);
        assert_eq!(
            allocate(100, &[1, 1, 1]),
            vec![34, 33, 33],
            "a tie: the earlier"
        );
        assert_eq!(
            allocate(5, &[0, 0]),
            vec![5, 0],
            "nothing to weigh: the first"
        );
        assert_eq!(allocate(7, &[]), Vec::<i64>::new());
    }

    proptest! {
        #[test]
        fn allocated_shares_add_up_and_stay_within_one_unit_of_exact(
            total in 0i64..10_000_000_000,
            weights in proptest::collection::vec(1i64..100_000_000_000, 1..40),
        ) {
            let shares = allocate(total, &weights);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
            for (share, weight) in shares.iter().zip(&weights) {
                let exact = i128::from(total) * i128::from(*weight);
                let share = i128::from(*share) * sum;
                prop_assert!(share <= exact + sum && share + sum >= exact, "{} vs {}", share, exact);
            }
        }
    }

    proptest! {
        #[test]
        fn format_then_parse_is_the_identity(minor in (i64::MIN + 1)..=i64::MAX, code in prop::sample::select(vec!["USD", "JPY", "KWD", "EUR", "BHD", "CLP"])) {
            let money = Money::from_minor(minor, cur(code));
            prop_assert_eq!(Money::parse(&money.amount_text(), cur(code)), Ok(money));
        }

        #[test]
        fn parse_never_panics(text in ".{0,30}") {
            let _ = Money::parse(&text, cur("USD"));
        }
    }
}
