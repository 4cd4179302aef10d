//! Recipients compared as people write them: a bank writes "DUBOIS, RENEE", the app's own SEPA
//! file "Renee Dubois", the customer record "Renée Dubois"; a company adds or drops its legal
//! form. Two names are the same person when their words are, in any order, once accents, case,
//! punctuation and legal forms are set aside. E-mail addresses compare whole, without case.

/// Legal forms a company name may carry or drop.
const LEGAL_FORMS: [&str; 21] = [
    "gmbh", "ag", "kg", "ug", "ltd", "limited", "plc", "llc", "inc", "corp", "co", "sa", "sas",
    "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as",
];

/// The words of a name, without accents, case, punctuation or legal form, sorted.
fn key(name: &str) -> Vec<String> {
    let plain = deunicode::deunicode(name).to_lowercase();
    let spaced: String = plain
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<String> = spaced
        .split_whitespace()
        .filter(|w| !LEGAL_FORMS.contains(w))
        .map(str::to_owned)
        .collect();
    words.sort();
    words
}

/// What a name is remembered by: its words as [`same_recipient`] compares them, or a whole
/// e-mail address in lower case; empty for a name with no words.
pub(crate) fn name_key(name: &str) -> String {
    let name = name.trim();
    if name.contains('@') {
        name.to_lowercase()
    } else {
        key(name).join(" ")
    }
}

/// Whether a statement's counterparty and one of a payout's names are the same recipient.
pub(super) fn same_recipient(statement: &str, payout: &str) -> bool {
    let (a, b) = (statement.trim(), payout.trim());
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a.contains('@') || b.contains('@') {
        return a.eq_ignore_ascii_case(b);
    }
    let (a, b) = (key(a), key(b));
    !a.is_empty() && a == b
}

#[cfg(test)]
mod tests {
    use super::same_recipient;

    #[test]
    fn names_as_banks_and_files_write_them() {
        for (a, b) in [
            ("DUBOIS, RENEE", "Renée Dubois"),
            ("Renee Dubois", "Renée  Dubois"),
            ("Jurgen Gross", "Jürgen Groß"),
            ("ACME Ltd.", "Acme"),
            ("Bürobedarf Schmidt GmbH", "BUROBEDARF SCHMIDT"),
            ("Ada@Example.com", "ada@example.com"),
        ] {
            assert!(same_recipient(a, b), "{a} / {b}");
        }
        for (a, b) in [
            ("Bürobedarf Schmidt GmbH", "Renée Dubois"),
            ("Renee Dubois", "Rene Dubois"),
            ("ada@example.com", "Ada Example"),
            ("", ""),
            ("GmbH", "Ltd"),
        ] {
            assert!(!same_recipient(a, b), "{a} / {b}");
        }
    }
}
