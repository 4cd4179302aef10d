//! Validators for payment details: IBAN (ISO 13616), BIC (ISO 9362), US ABA routing numbers,
//! phone numbers and wallet usernames. Each returns the normalised form (spaces removed, upper
//! case where the standard says so, leading zeros kept) or a sentence saying what is wrong.

use iban::{Iban, IbanLike, ParseBaseIbanError, ParseIbanError};

/// An IBAN in electronic form ("DE89370400440532013000").
pub(crate) fn iban(value: &str) -> Result<String, String> {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    match compact.parse::<Iban>() {
        Ok(iban) => Ok(iban.electronic_str().to_owned()),
        // The check digits are tested first; a wrong length shows as wrong check digits too,
        // so the country's format is tried with correct check digits before saying which.
        Err(ParseIbanError::InvalidBaseIban { source: ParseBaseIbanError::InvalidChecksum })
            if compact.len() > 4
                && compact.bytes().all(|b| b.is_ascii_alphanumeric())
                && matches!(
                    iban_from_bban(&compact[..2], &compact[4..]).parse::<Iban>(),
                    Err(ParseIbanError::InvalidBban(_))
                ) =>
        {
            Err(format!(
                "This is not the length or format of an IBAN from {} ({} characters here).",
                &compact[..2],
                compact.len()
            ))
        }
        Err(ParseIbanError::InvalidBaseIban { source: ParseBaseIbanError::InvalidChecksum }) => {
            Err("IBAN check digits do not match; check for a mistyped character.".into())
        }
        Err(ParseIbanError::InvalidBaseIban { source: ParseBaseIbanError::InvalidFormat }) => {
            Err("An IBAN is a two-letter country code, two check digits and up to 30 letters or digits.".into())
        }
        Err(ParseIbanError::InvalidBban(_)) => Err(format!(
            "This is not the length or format of an IBAN from {}.",
            compact.get(..2).unwrap_or("that country")
        )),
        Err(ParseIbanError::UnknownCountry(_)) => Err(format!(
            "{} is not a country that uses IBANs.",
            compact.get(..2).unwrap_or("That")
        )),
    }
}

/// The IBAN for a country and its national account number (BBAN), with the ISO 13616 check
/// digits computed: 98 minus the BBAN, country and "00" read as a number (A = 10 … Z = 35)
/// modulo 97. Used for sample data and tests.
pub(crate) fn iban_from_bban(country: &str, bban: &str) -> String {
    let remainder = format!("{bban}{country}00")
        .chars()
        .map(|c| c.to_digit(36).expect("an alphanumeric BBAN"))
        .fold(0, |r, d| {
            if d < 10 {
                (r * 10 + d) % 97
            } else {
                (r * 100 + d) % 97
            }
        });
    format!("{country}{:02}{bban}", 98 - remainder)
}

/// The ISO 3166-1 alpha-2 country codes (from Debian's iso-codes), and XK, which SWIFT and
/// the banks use for Kosovo.
const COUNTRIES: &str = "
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    XK";

/// Whether `code` is a country's two-letter code (upper case).
pub(crate) fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split_whitespace().any(|c| c == code)
}

/// A BIC (ISO 9362), in the shape the SEPA schema (pain.001.001.03's `BICIdentifier`) accepts:
/// 4 letters (bank), a real country code, a location of a letter or a digit 2–9 and then a
/// letter other than O or a digit (a 0 or 1 first marks a test or passive BIC, which no bank
/// pays to), and an optional branch of 3 letters or digits.
pub(crate) fn bic(value: &str) -> Result<String, String> {
    let bic: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let b = bic.as_bytes();
    let shape_ok = (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && (b[6].is_ascii_uppercase() || (b'2'..=b'9').contains(&b[6]))
        && (b[7].is_ascii_digit() || (b[7].is_ascii_uppercase() && b[7] != b'O'))
        && b[8..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !shape_ok {
        return Err("A SWIFT/BIC code has 8 or 11 characters: bank (4 letters), country (2 letters), location (2) and optional branch (3), such as DEUTDEFF.".into());
    }
    if !is_country(&bic[4..6]) {
        return Err(format!(
            "{} in {bic} is not a country code; a BIC's 5th and 6th letters are its country, such as DE in DEUTDEFF.",
            &bic[4..6]
        ));
    }
    Ok(bic)
}

/// A US ABA routing number: nine digits whose 3-7-1 weighted sum is a multiple of ten.
pub(crate) fn routing_number(value: &str) -> Result<String, String> {
    let digits: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("A US routing number has exactly nine digits.".into());
    }
    let sum: u32 = digits
        .bytes()
        .zip([3, 7, 1].iter().cycle())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    if !sum.is_multiple_of(10) {
        return Err(
            "The routing number's check digit does not match; check for a mistyped digit.".into(),
        );
    }
    Ok(digits)
}

/// An international phone number: an optional `+`, then 7 to 15 digits (E.164); spaces, dots,
/// dashes and parentheses are dropped.
pub(crate) fn phone(value: &str) -> Result<String, String> {
    let plus = value.trim_start().starts_with('+');
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let only_separators = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
    if !only_separators
        || !(7..=15).contains(&digits.len())
        || value.matches('+').count() > usize::from(plus)
    {
        return Err(
            "A phone number has 7 to 15 digits, optionally starting with + and the country code."
                .into(),
        );
    }
    Ok(if plus { format!("+{digits}") } else { digits })
}

/// A wallet username or tag ("@jane-doe", "$JaneDoe"): letters, digits, `.`, `_` and `-`.
pub(crate) fn wallet_username(value: &str) -> Result<String, String> {
    let name = value.trim();
    let body = name.strip_prefix(['@', '$']).unwrap_or(name);
    if body.is_empty()
        || body.len() > 64
        || !body
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(
            "A username has letters, digits, dots, dashes or underscores, optionally after @ or $."
                .into(),
        );
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn iban_accepts_valid_and_normalises() {
        assert_eq!(
            iban("de89 3704 0044 0532 0130 00").unwrap(),
            "DE89370400440532013000"
        );
        assert_eq!(
            iban("GB29NWBK60161331926819").unwrap(),
            "GB29NWBK60161331926819"
        );
        assert_eq!(
            iban("FR1420041010050500013M02606").unwrap(),
            "FR1420041010050500013M02606"
        );
    }

    #[test]
    fn iban_names_what_is_wrong() {
        assert!(iban("DE89370400440532013001")
            .unwrap_err()
            .contains("check digits"));
        assert_eq!(
            iban("DE89 3704 0044 0532 0130 0"),
            Err("This is not the length or format of an IBAN from DE (21 characters here).".into()),
            "one digit short"
        );
        assert!(iban("DE89370400440532013001")
            .unwrap_err()
            .contains("check digits"));
        assert!(iban("not an iban").is_err());
        assert!(iban("").is_err());
    }

    #[test]
    fn iban_check_digits_follow_iso_13616() {
        assert_eq!(
            iban_from_bban("DE", "370400440532013000"),
            "DE89370400440532013000"
        );
        assert_eq!(
            iban_from_bban("GB", "NWBK60161331926819"),
            "GB29NWBK60161331926819"
        );
        assert_eq!(iban_from_bban("NL", "ABNA0417164300"), "NL91ABNA0417164300");
    }

    #[test]
    fn country_codes() {
        for code in ["DE", "US", "GB", "TR", "AE", "XK", "AX", "CW"] {
            assert!(is_country(code), "{code}");
        }
        for code in ["UK", "EU", "ZZ", "de", "D", "DEU", ""] {
            assert!(!is_country(code), "{code}");
        }
    }

    #[test]
    fn bic_shape() {
        assert_eq!(bic("deutdeff").unwrap(), "DEUTDEFF");
        assert_eq!(bic("NWBKGB2L XXX").unwrap(), "NWBKGB2LXXX");
        assert_eq!(bic("COBADEFFXXX").unwrap(), "COBADEFFXXX");
        assert_eq!(bic("BKAUATWW").unwrap(), "BKAUATWW");
        assert_eq!(bic("RZBAXKPR").unwrap(), "RZBAXKPR", "Kosovo");
        for bad in [
            "DEUTDEF",
            "DEUTDEFF1",
            "1EUTDEFF",
            "DEUT1EFF",
            "DEUTDEFF-XX",
            // A location starting 0 or 1, or ending in O: the SEPA schema refuses it.
            "DEUTDE0F",
            "DEUTDE1F",
            "DEUTDEFO",
            // No such country.
            "DEUTXXFF",
            "DEUTZZFF",
            "DEUTDEFFxx_",
        ] {
            assert!(bic(bad).is_err(), "{bad}");
        }
        assert!(bic("DEUTZZFF").unwrap_err().contains("ZZ in DEUTZZFF"));
    }

    #[test]
    fn routing_checksum() {
        assert_eq!(
            routing_number("011000015").unwrap(),
            "011000015",
            "leading zero kept"
        );
        assert_eq!(routing_number("021000021").unwrap(), "021000021");
        assert!(routing_number("021000022")
            .unwrap_err()
            .contains("check digit"));
        assert!(routing_number("12345678").is_err());
    }

    #[test]
    fn phone_and_username() {
        assert_eq!(phone("+1 (415) 555-0132").unwrap(), "+14155550132");
        assert!(phone("555").is_err());
        assert!(phone("12+34567890").is_err());
        assert_eq!(wallet_username("@jane-doe").unwrap(), "@jane-doe");
        assert!(wallet_username("jane doe").is_err());
    }

    proptest! {
        /// Any nine digits with the right check digit pass; changing one digit fails.
        #[test]
        fn routing_detects_single_digit_errors(body in proptest::collection::vec(0u32..10, 8), pos in 0usize..9, delta in 1u32..10) {
            let weights = [3, 7, 1, 3, 7, 1, 3, 7];
            let sum: u32 = body.iter().zip(weights).map(|(d, w)| d * w).sum();
            let check = (10 - sum % 10) % 10;
            let mut digits: Vec<u32> = body.clone();
            digits.push(check);
            let good: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(routing_number(&good).is_ok());
            digits[pos] = (digits[pos] + delta) % 10;
            let bad: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(routing_number(&bad).is_err());
        }

        /// A German IBAN with computed check digits passes; any one digit changed fails
        /// (mod-97 catches every single substitution).
        #[test]
        fn iban_detects_single_digit_errors(bban in "[0-9]{18}", pos in 2usize..22, delta in 1u32..10) {
            let good = iban_from_bban("DE", &bban);
            prop_assert_eq!(iban(&good).unwrap(), good.clone());
            let mut chars: Vec<char> = good.chars().collect();
            let d = chars[pos].to_digit(10).unwrap();
            chars[pos] = char::from_digit((d + delta) % 10, 10).unwrap();
            let bad: String = chars.into_iter().collect();
            prop_assert!(iban(&bad).is_err(), "{}", bad);
        }

        #[test]
        fn validators_never_panic(text in ".{0,40}") {
            let _ = (iban(&text), bic(&text), routing_number(&text), phone(&text), wallet_username(&text));
        }
    }
}
