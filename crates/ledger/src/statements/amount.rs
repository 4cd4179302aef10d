//! Amounts as statements write them, read exactly or not at all.
//!
//! A statement writes money in its locale's layout: `1,234.56`, `1.234,56`, `1 234,56`,
//! `1'234.56`; a minus as `-`, `−` (U+2212) or another dash, before or after the digits, as
//! parentheses, or as a debit/credit word (`DR`, `Soll`, `S`, `Débit`, ...). Invariants: the
//! decimal mark is decided once for the whole file ([`decimal_mark`]); a grouping separator is
//! accepted only where it groups (one to three digits, then threes), so `1,23` is never 123;
//! anything that could be read two ways is refused with the reason, never guessed.

use crate::money::{Currency, Money};

/// The character between whole units and the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    fn char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }

    /// The separators that may group thousands beside this decimal mark.
    fn groups(self) -> &'static [char] {
        match self {
            DecimalMark::Point => &[',', ' ', '\'', '\u{2019}'],
            DecimalMark::Comma => &['.', ' ', '\'', '\u{2019}'],
        }
    }
}

/// Every way a statement writes a minus sign: hyphen-minus, the minus sign, the dashes and
/// their small and full-width forms.
const MINUS: [char; 9] = [
    '-', '\u{2212}', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{FE63}',
    '\u{FF0D}',
];

/// Words that stand for the sign beside an amount, in the languages statements come in.
const DEBIT_WORDS: [&str; 13] = [
    "dr", "d", "debit", "débit", "debet", "débito", "debito", "soll", "s", "dare", "af", "bij-af",
    "addebito",
];
const CREDIT_WORDS: [&str; 11] = [
    "cr",
    "c",
    "credit",
    "crédit",
    "credito",
    "crédito",
    "haben",
    "h",
    "avere",
    "bij",
    "accredito",
];

/// Currency signs that may stand before or after the digits.
const SIGNS: [char; 6] = ['€', '$', '£', '¥', '₹', '₣'];

/// Spaces a locale groups thousands with: plain, no-break, narrow no-break, thin.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// Reads `text` as an amount in `currency` with `mark` as the decimal mark; `Err` says why
/// it is not one, in a phrase that follows "is not an amount: ".
pub fn read_amount(text: &str, mark: DecimalMark, currency: Currency) -> Result<Money, String> {
    let text: String = text
        .trim()
        .chars()
        .map(|c| if is_space(c) { ' ' } else { c })
        .collect();
    let (negative, digits) = sign(text.trim(), currency)?;
    let (whole, fraction) = match digits.split_once(mark.char()) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits.as_str(), None),
    };
    let whole = ungrouped(whole, mark)?;
    let plain = match fraction {
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(format!(
                "nothing but digits may follow the {:?}",
                mark.char()
            ));
        }
        Some(f) => format!("{whole}.{f}"),
        None => whole,
    };
    let money = Money::parse(&plain, currency).map_err(|e| e.to_string())?;
    Ok(if negative {
        Money::from_minor(-money.minor(), currency)
    } else {
        money
    })
}

/// Takes the sign off `text`: one minus (before or after), parentheses, or a debit/credit word;
/// a currency code or sign may stand beside the digits. Two signs are refused, even when they
/// agree, since a file that writes both means something this reader does not know.
fn sign(text: &str, currency: Currency) -> Result<(bool, String), String> {
    let mut rest = text.to_owned();
    let mut signs: Vec<bool> = Vec::new();
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        signs.push(true);
        rest = inner.trim().to_owned();
    }
    // Words and codes stand apart from the digits: "25.00 DR", "Soll 25,00", "EUR 25.00".
    let words: Vec<&str> = rest.split(' ').filter(|w| !w.is_empty()).collect();
    let mut kept = Vec::new();
    for word in words {
        let lower = word.to_lowercase();
        if DEBIT_WORDS.contains(&lower.as_str()) {
            signs.push(true);
        } else if CREDIT_WORDS.contains(&lower.as_str()) {
            signs.push(false);
        } else if !word.eq_ignore_ascii_case(currency.code()) {
            kept.push(word);
        }
    }
    let mut rest: String = kept.join(" ");
    rest = rest.trim_matches(|c| SIGNS.contains(&c)).trim().to_owned();
    if let Some(r) = rest.strip_prefix(|c| MINUS.contains(&c)) {
        signs.push(true);
        rest = r.trim_start().to_owned();
    } else if let Some(r) = rest.strip_prefix('+') {
        signs.push(false);
        rest = r.trim_start().to_owned();
    }
    if let Some(r) = rest.strip_suffix(|c| MINUS.contains(&c)) {
        signs.push(true);
        rest = r.trim_end().to_owned();
    } else if let Some(r) = rest.strip_suffix('+') {
        signs.push(false);
        rest = r.trim_end().to_owned();
    }
    rest = rest.trim_matches(|c| SIGNS.contains(&c)).trim().to_owned();
    match signs[..] {
        [] => Ok((false, rest)),
        [negative] => Ok((negative, rest)),
        _ => Err("it carries more than one sign".into()),
    }
}

/// The digits of `whole` without the grouping separators, which must group: one to three
/// digits, then groups of exactly three, all with the same separator.
fn ungrouped(whole: &str, mark: DecimalMark) -> Result<String, String> {
    let separator = whole.chars().find(|c| !c.is_ascii_digit());
    let Some(separator) = separator else {
        return Ok(whole.to_owned());
    };
    if !mark.groups().contains(&separator) {
        return Err(format!(
            "{separator:?} is neither a digit nor a separator of this file's layout"
        ));
    }
    let groups: Vec<&str> = whole.split(separator).collect();
    let grouped = groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3);
    if !grouped {
        return Err(format!(
            "{separator:?} does not group thousands here (the file's decimal mark is {:?})",
            mark.char()
        ));
    }
    Ok(groups.concat())
}

/// What one amount says about the decimal mark: a separator that ends the number with one or
/// two digits after it, or the last of two different separators, is the decimal mark; a
/// separator that appears twice groups. `None` when the amount cannot tell (`1,234`, `12`).
fn mark_of(text: &str) -> Option<DecimalMark> {
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    let last = digits.rfind(['.', ','])?;
    let sep = digits[last..].chars().next()?;
    let other = if sep == '.' { ',' } else { '.' };
    let as_mark = |c: char| {
        if c == '.' {
            DecimalMark::Point
        } else {
            DecimalMark::Comma
        }
    };
    if digits[..last].contains(other) {
        return Some(as_mark(sep));
    }
    if digits[..last].contains(sep) {
        return Some(as_mark(other));
    }
    match digits.len() - last - 1 {
        1 | 2 => Some(as_mark(sep)),
        _ => None,
    }
}

/// The decimal mark of a whole file, from all its amounts (with their line numbers): the one
/// the amounts agree on, else `default` (the layout of the export's language), else the point
/// when no amount has a separator at all. Amounts that disagree, or that could be read two ways
/// with nothing to decide between them, are refused with a line number.
pub fn decimal_mark<'a>(
    amounts: impl IntoIterator<Item = (i64, &'a str)>,
    default: Option<DecimalMark>,
) -> Result<DecimalMark, String> {
    let mut found: Option<(DecimalMark, i64)> = None;
    let mut undecided: Option<(i64, &str)> = None;
    for (line, text) in amounts {
        match mark_of(text) {
            Some(mark) => match found {
                Some((first, at)) if first != mark => {
                    return Err(format!(
                        "Line {line} writes amounts with a decimal {:?}, line {at} with a decimal {:?}; a statement uses one layout.",
                        mark.char(),
                        first.char()
                    ));
                }
                Some(_) => {}
                None => found = Some((mark, line)),
            },
            None if text.contains(['.', ',']) && undecided.is_none() => {
                undecided = Some((line, text));
            }
            None => {}
        }
    }
    match (found, default, undecided) {
        (Some((mark, _)), ..) => Ok(mark),
        (None, Some(mark), _) => Ok(mark),
        (None, None, None) => Ok(DecimalMark::Point),
        (None, None, Some((line, text))) => Err(format!(
            "Line {line}: {text:?} could be a thousands separator or a decimal mark, and no amount in the file tells which."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn read(text: &str, mark: DecimalMark) -> Result<i64, String> {
        read_amount(text, mark, cur("USD")).map(Money::minor)
    }

    #[test]
    fn every_minus_a_statement_uses() {
        use DecimalMark::*;
        for text in [
            "-25.00",
            "\u{2212}25.00",
            "\u{2013}25.00",
            "\u{2014}25.00",
            "\u{FF0D}25.00",
            "25.00-",
            "25.00\u{2212}",
            "(25.00)",
            "25.00 DR",
            "Dr 25.00",
            "- 25.00",
            "$-25.00",
            "-$25.00",
            "-25.00 USD",
        ] {
            assert_eq!(read(text, Point), Ok(-2500), "{text:?}");
        }
        for text in ["25,00 S", "Soll 25,00", "25,00 Débit", "\u{2212}25,00"] {
            assert_eq!(read(text, Comma), Ok(-2500), "{text:?}");
        }
        for text in ["25.00", "+25.00", "25.00 CR", "25.00 Credit", "25.00+"] {
            assert_eq!(read(text, Point), Ok(2500), "{text:?}");
        }
        assert_eq!(read("25,00 H", Comma), Ok(2500));
        for text in ["-(25.00)", "-25.00-", "-25.00 CR", "25.00 DR CR"] {
            assert!(read(text, Point).is_err(), "{text:?}");
        }
    }

    #[test]
    fn grouping_separators_only_where_they_group() {
        use DecimalMark::*;
        assert_eq!(read("1,234.56", Point), Ok(123_456));
        assert_eq!(read("1,234,567.89", Point), Ok(123_456_789));
        assert_eq!(read("1.234,56", Comma), Ok(123_456));
        assert_eq!(read("1 234,56", Comma), Ok(123_456));
        assert_eq!(read("1\u{a0}234,56", Comma), Ok(123_456));
        assert_eq!(read("1\u{202f}234,56", Comma), Ok(123_456));
        assert_eq!(read("1'234.56", Point), Ok(123_456));
        assert_eq!(read("1234.56", Point), Ok(123_456));
        for (text, mark) in [
            ("1,23", Point),
            ("1,2345.00", Point),
            ("12,34,567.00", Point),
            ("1.23", Comma),
            (",234.00", Point),
            ("1,234 567.00", Point),
            ("1.234.56", Point),
            ("12.", Point),
            ("1.2.3", Point),
            ("12,50", Point),
            ("", Point),
            ("abc", Point),
        ] {
            assert!(read(text, mark).is_err(), "{text:?} with {mark:?}");
        }
        // More decimals than the currency has are refused, not rounded.
        assert!(read("12,505", Comma).is_err());
        assert_eq!(
            read_amount("1.234,567", Comma, cur("KWD")).map(Money::minor),
            Ok(1_234_567)
        );
    }

    #[test]
    fn the_file_decides_the_decimal_mark() {
        use DecimalMark::*;
        let mark = |cells: &[&str], default| {
            decimal_mark(
                cells.iter().enumerate().map(|(i, c)| (i as i64 + 2, *c)),
                default,
            )
        };
        assert_eq!(mark(&["1,234", "12.50"], None), Ok(Point));
        assert_eq!(mark(&["1.234", "12,5"], None), Ok(Comma));
        assert_eq!(mark(&["1.234.567"], None), Ok(Comma));
        assert_eq!(mark(&["1,234.00"], None), Ok(Point));
        assert_eq!(mark(&["12", "7"], None), Ok(Point));
        assert_eq!(mark(&["1.234"], Some(Comma)), Ok(Comma));
        let err = mark(&["1,234", "7"], None).unwrap_err();
        assert!(err.starts_with("Line 2:"), "{err}");
        let err = mark(&["12.50", "3,25"], None).unwrap_err();
        assert!(err.starts_with("Line 3 "), "{err}");
    }

    /// `minor` written in one of the layouts statements use.
    fn written(
        minor: i64,
        mark: DecimalMark,
        group: Option<char>,
        minus: char,
        after: bool,
    ) -> String {
        let (whole, cents) = (minor.unsigned_abs() / 100, minor.unsigned_abs() % 100);
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                if let Some(g) = group {
                    grouped.push(g);
                }
            }
            grouped.push(d);
        }
        let number = format!("{grouped}{}{cents:02}", mark.char());
        match (minor < 0, after) {
            (false, _) => number,
            (true, false) => format!("{minus}{number}"),
            (true, true) => format!("{number}{minus}"),
        }
    }

    proptest! {
        #[test]
        fn any_amount_in_any_layout_reads_back(
            minor in -10_000_000_000i64..10_000_000_000,
            comma in any::<bool>(),
            group in prop::sample::select(vec![None, Some(','), Some('.'), Some(' '), Some('\u{a0}'), Some('\'')]),
            minus in prop::sample::select(MINUS.to_vec()),
            after in any::<bool>(),
        ) {
            let mark = if comma { DecimalMark::Comma } else { DecimalMark::Point };
            prop_assume!(group != Some(mark.char()));
            let text = written(minor, mark, group, minus, after);
            prop_assert_eq!(read(&text, mark), Ok(minor), "{}", text);
            prop_assert_eq!(decimal_mark([(2, text.as_str())], None), Ok(mark));
        }

        #[test]
        fn reading_never_panics(text in ".{0,30}") {
            let _ = read(&text, DecimalMark::Point);
            let _ = read(&text, DecimalMark::Comma);
            let _ = decimal_mark([(2, text.as_str())], None);
        }
    }
}
