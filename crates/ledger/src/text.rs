//! Checks for the text a person types: trimmed, bounded, free of control and bidi-override
//! characters (which can disguise what a record says), stored exactly as typed otherwise, and
//! NFC-normalised where it is compared.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// Whether a field may hold line breaks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    One,
    Many,
}

/// Trims `value` and checks it: not empty, at most `max` characters, no control characters
/// (line breaks only where `lines` is `Many`), no bidi overrides.
pub(crate) fn required(
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
    lines: Lines,
) -> Result<String> {
    let value = optional(field, label, value, max, lines)?;
    value.ok_or_else(|| Error::validation(field, format!("{label} is required.")))
}

/// As [`required`], but an empty value is `None`.
pub(crate) fn optional(
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
    lines: Lines,
) -> Result<Option<String>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let count = value.chars().count();
    if count > max {
        return Err(Error::validation(
            field,
            format!("{label} is {count} characters long; the limit is {max}."),
        ));
    }
    if let Some(c) = value.chars().find(|&c| !allowed(c, lines)) {
        let what = if is_bidi_control(c) {
            "a hidden text-direction character"
        } else if c == '\n' || c == '\r' {
            "a line break"
        } else {
            "an invisible control character"
        };
        return Err(Error::validation(
            field,
            format!("{label} contains {what} (U+{:04X}); remove it.", c as u32),
        ));
    }
    Ok(Some(value.to_owned()))
}

fn allowed(c: char, lines: Lines) -> bool {
    if is_bidi_control(c) {
        return false;
    }
    if c.is_control() {
        return lines == Lines::Many && (c == '\n' || c == '\t');
    }
    true
}

/// The explicit embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The form of a name used to compare it: NFC, then lower case.
pub(crate) fn compare_key(value: &str) -> String {
    value.nfc().collect::<String>().to_lowercase()
}

/// A plain shape check of an e-mail address: one `@`, a dotted domain, no spaces. The provider,
/// not this app, proves that the mailbox exists.
pub(crate) fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains(char::is_whitespace)
        && !local.contains('@')
        && domain.contains('.')
        && domain.split('.').all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(
            required("f", "Name", "  Ada  ", 10, Lines::One).unwrap(),
            "Ada"
        );
        let err = required("f", "Name", "   ", 10, Lines::One).unwrap_err();
        assert_eq!(err.to_string(), "Name is required.");
        assert_eq!(err.field(), Some("f"));
        assert!(required("f", "Name", &"x".repeat(11), 10, Lines::One).is_err());
        assert!(
            required("f", "Name", &"é".repeat(10), 10, Lines::One).is_ok(),
            "characters, not bytes"
        );
        assert_eq!(optional("f", "Note", "", 10, Lines::Many).unwrap(), None);
    }

    #[test]
    fn refuses_control_and_bidi_characters() {
        assert!(required("f", "Name", "a\u{0}b", 10, Lines::One).is_err());
        assert!(required("f", "Name", "a\nb", 10, Lines::One).is_err());
        assert!(required("f", "Note", "a\nb", 10, Lines::Many).is_ok());
        let err = required("f", "Name", "abc\u{202E}def", 10, Lines::One).unwrap_err();
        assert!(err.to_string().contains("text-direction"));
        assert!(
            required("f", "Name", "مرحبا", 10, Lines::One).is_ok(),
            "right-to-left text is fine"
        );
    }

    #[test]
    fn compare_key_folds_case_and_normal_form() {
        assert_eq!(compare_key("Zoë"), compare_key("ZOE\u{308}"));
    }

    #[test]
    fn email_shape() {
        for ok in ["a@b.co", "first.last+tag@example.org", "ü@bücher.de"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a b@c.de", "a@-b.co", "a@b..co", "a@@b.co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
