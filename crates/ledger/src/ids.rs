//! Record ids: the numbers people read (`PO-000123`, `IR-000045`, `CU-000001`, `PA-000007`,
//! `PG-000002`) and the row ids behind them, as one type per kind of record.
//!
//! Invariants: this module is the only place a record number is formatted or parsed; ids are
//! positive (SQLite's `INTEGER PRIMARY KEY` rows start at 1 and are never deleted here); a
//! request id cannot be passed where a payout id is meant. On the wire (serde) and in the
//! database (sqlx) an id is its plain integer, so old books and the UI read the same.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Customer,
    PaymentAccount,
    Program,
    Request,
    Payout,
    PaymentRun,
    Book,
}

impl Entity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::PaymentAccount => "payment_account",
            Entity::Program => "program",
            Entity::Request => "request",
            Entity::Payout => "payout",
            Entity::PaymentRun => "payment_run",
            Entity::Book => "book",
        }
    }
}

/// Why text is not a record number of the kind asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{text_kind} numbers look like {example}.")]
pub struct BadRecordNumber {
    text_kind: &'static str,
    example: &'static str,
}

/// What every kind of record id shares; implemented by [`record_id!`].
pub trait RecordId: Copy + fmt::Display + FromStr<Err = BadRecordNumber> {
    /// The letters before the dash: `PO`.
    const PREFIX: &'static str;
    /// The kind of record, for the audit trail.
    const ENTITY: Entity;
    fn get(self) -> i64;
}

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $entity:expr, $kind:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl RecordId for $name {
            const PREFIX: &'static str = $prefix;
            const ENTITY: Entity = $entity;
            fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "-{:06}"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = BadRecordNumber;
            fn from_str(text: &str) -> Result<Self, BadRecordNumber> {
                parse_number($prefix, text).map($name).ok_or(BadRecordNumber {
                    text_kind: $kind,
                    example: concat!($prefix, "-000123"),
                })
            }
        }
    };
}

record_id!(
    /// A payout: `PO-000123`.
    PayoutId, "PO", Entity::Payout, "Payout"
);
record_id!(
    /// An incentive request: `IR-000045`.
    RequestId, "IR", Entity::Request, "Request"
);
record_id!(
    /// A customer: `CU-000001`.
    CustomerId, "CU", Entity::Customer, "Customer"
);
record_id!(
    /// A payment account: `PA-000007`.
    AccountId, "PA", Entity::PaymentAccount, "Payment account"
);
record_id!(
    /// An incentive program: `PG-000002`.
    ProgramId, "PG", Entity::Program, "Program"
);
record_id!(
    /// A payment run, one payment file written: `RUN-000003`.
    RunId, "RUN", Entity::PaymentRun, "Payment run"
);

/// `PREFIX-digits`, case-insensitive, surrounding white space allowed, leading zeros allowed;
/// the number must be a positive `i64`. Anything else (`APO-12`, `PO-12a`, `PO-`, `PO 12`) is
/// not a number of this kind.
fn parse_number(prefix: &str, text: &str) -> Option<i64> {
    let text = text.trim();
    let head = text.get(..prefix.len())?;
    let digits = text[prefix.len()..].strip_prefix('-')?;
    if !head.eq_ignore_ascii_case(prefix)
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    digits.parse::<i64>().ok().filter(|n| *n > 0)
}

/// Serialises an optional id as its record number (`"PO-000123"`), for fields the UI shows
/// as text.
pub(crate) fn as_number<S: serde::Serializer, T: fmt::Display>(
    id: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => serializer.collect_str(id),
        None => serializer.serialize_none(),
    }
}

/// A number of any kind of record, as the audit log's search box takes it.
pub fn parse_any_record(text: &str) -> Option<(Entity, i64)> {
    fn as_entity<T: RecordId>(text: &str) -> Option<(Entity, i64)> {
        text.parse::<T>().ok().map(|id| (T::ENTITY, id.get()))
    }
    as_entity::<PayoutId>(text)
        .or_else(|| as_entity::<RequestId>(text))
        .or_else(|| as_entity::<CustomerId>(text))
        .or_else(|| as_entity::<AccountId>(text))
        .or_else(|| as_entity::<ProgramId>(text))
        .or_else(|| as_entity::<RunId>(text))
}

/// The record numbers of kind `T` that stand as whole words in free text (a statement's
/// reference, a bank's remittance line), in order of appearance and without repeats. A word is
/// a run of letters, digits and dashes, so `EXPO-2026`, `APO-12` and `PO-12a` name nothing.
pub fn numbers_in_text<T: RecordId + PartialEq>(text: &str) -> Vec<T> {
    let mut found: Vec<T> = Vec::new();
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '-')) {
        if let Ok(id) = word.parse::<T>() {
            if !found.contains(&id) {
                found.push(id);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_six_digits_and_more_when_needed() {
        assert_eq!(PayoutId(123).to_string(), "PO-000123");
        assert_eq!(RequestId(45).to_string(), "IR-000045");
        assert_eq!(CustomerId(1).to_string(), "CU-000001");
        assert_eq!(AccountId(7).to_string(), "PA-000007");
        assert_eq!(ProgramId(2).to_string(), "PG-000002");
        assert_eq!(PayoutId(12_345_678).to_string(), "PO-12345678");
    }

    #[test]
    fn parses_the_forms_people_type() {
        for text in ["PO-123", "po-000123", " PO-000123 ", "Po-0000000123"] {
            assert_eq!(text.parse::<PayoutId>(), Ok(PayoutId(123)), "{text:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_payout_number() {
        for text in [
            "APO-12",
            "EXPO-2026",
            "PO-12a",
            "PO-",
            "PO-0",
            "PO-000000",
            "PO 12",
            "PO12",
            "PO--12",
            "PO-+12",
            "PO--1",
            "PO-9223372036854775808",
            "PO-99999999999999999999",
            "IR-12",
            "PO-１２",
            "",
            "P",
        ] {
            assert!(text.parse::<PayoutId>().is_err(), "{text:?}");
        }
        assert_eq!(
            "PO-9223372036854775807".parse::<PayoutId>(),
            Ok(PayoutId(i64::MAX))
        );
    }

    #[test]
    fn the_refusal_names_the_kind_and_an_example() {
        assert_eq!(
            "x".parse::<RequestId>().unwrap_err().to_string(),
            "Request numbers look like IR-000123."
        );
    }

    #[test]
    fn any_record_number_names_its_kind() {
        assert_eq!(parse_any_record("po-12"), Some((Entity::Payout, 12)));
        assert_eq!(parse_any_record("IR-7"), Some((Entity::Request, 7)));
        assert_eq!(parse_any_record("CU-3"), Some((Entity::Customer, 3)));
        assert_eq!(
            parse_any_record("PA-000009"),
            Some((Entity::PaymentAccount, 9))
        );
        assert_eq!(parse_any_record("PG-1"), Some((Entity::Program, 1)));
        assert_eq!(parse_any_record("XX-1"), None);
        assert_eq!(parse_any_record("PO-1 refund"), None);
    }

    #[test]
    fn finds_whole_numbers_in_free_text_only() {
        let found = |t: &str| numbers_in_text::<PayoutId>(t);
        assert_eq!(found("Cashback PO-000025, thanks"), vec![PayoutId(25)]);
        assert_eq!(
            found("ref:po-25/PO-26 PO-25"),
            vec![PayoutId(25), PayoutId(26)]
        );
        assert!(found("EXPO-2026 APO-12 PO-12a SPO-1 PO-").is_empty());
        assert!(found("Bestellung 25").is_empty());
    }

    proptest! {
        #[test]
        fn display_then_parse_gives_the_id_back(n in 1..=i64::MAX) {
            prop_assert_eq!(PayoutId(n).to_string().parse::<PayoutId>(), Ok(PayoutId(n)));
            prop_assert_eq!(RequestId(n).to_string().parse::<RequestId>(), Ok(RequestId(n)));
            prop_assert_eq!(CustomerId(n).to_string().parse::<CustomerId>(), Ok(CustomerId(n)));
            prop_assert_eq!(AccountId(n).to_string().parse::<AccountId>(), Ok(AccountId(n)));
            prop_assert_eq!(ProgramId(n).to_string().parse::<ProgramId>(), Ok(ProgramId(n)));
        }

        #[test]
        fn parse_never_panics(text in ".{0,24}") {
            let _ = text.parse::<PayoutId>();
            let _ = numbers_in_text::<PayoutId>(&text);
        }
    }
}
