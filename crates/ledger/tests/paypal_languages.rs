//! PayPal activity downloads in the languages PayPal writes them, from the fixtures in
//! `tests/fixtures/statements/` (their README says what each line is and where the shapes come
//! from): every file reads to the same seven lines.

use ledger::statements::{parse_paypal_csv, LineKind, ParsedLine, ReferenceSource};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/statements")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (line, amount in minor units, kind, pending, payout number) of each line.
fn summary(lines: &[ParsedLine]) -> Vec<(i64, i64, LineKind, bool, Option<&str>)> {
    lines
        .iter()
        .map(|l| {
            (
                l.line_no,
                l.amount.minor(),
                l.kind,
                l.pending,
                l.payout_reference.as_deref(),
            )
        })
        .collect()
}

#[test]
fn every_language_reads_to_the_same_lines() {
    use LineKind::*;
    for (file, main, second, conversion) in [
        ("paypal-en-us.csv", "USD", "EUR", 9210),
        ("paypal-en-gb.csv", "GBP", "EUR", 11640),
        ("paypal-de.csv", "EUR", "USD", 10790),
        ("paypal-fr.csv", "EUR", "USD", 10790),
        ("paypal-nl.csv", "EUR", "USD", 10790),
        ("paypal-es.csv", "USD", "EUR", 9210),
        ("paypal-it.csv", "EUR", "USD", 10790),
        ("paypal-pt.csv", "BRL", "USD", 1820),
    ] {
        let lines = parse_paypal_csv(&fixture(file), None)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .lines;
        assert_eq!(
            summary(&lines),
            [
                (2, 148_000, Other, false, None),
                (3, -2500, Payment, false, Some("PO-000001")),
                (4, -4000, Payment, false, Some("PO-000002")),
                (5, -1500, Payment, true, Some("PO-000003")),
                (6, 4000, Return, false, Some("PO-000002")),
                (7, -10_000, Other, false, None),
                (8, conversion, Other, false, None),
            ],
            "{file}"
        );
        let currencies: Vec<_> = lines.iter().map(|l| l.amount.currency().code()).collect();
        assert_eq!(currencies[..6], [main; 6], "{file}");
        assert_eq!(currencies[6], second, "{file}");
        // The day comes first outside the US file, and 3 March is a Tuesday in every layout.
        assert_eq!(lines[1].booked_on.to_string(), "2026-03-03", "{file}");
        assert_eq!(lines[0].booked_on.to_string(), "2026-03-02", "{file}");
        // The number came in the note, which a person could type: evidence, not proof.
        assert_eq!(lines[1].reference_source, ReferenceSource::Text, "{file}");
        // Money in comes from its sender; money out goes to its recipient; the reversal
        // (from PayPal, to the owner) names the recipient of the payment it reverses.
        assert!(lines[0].counterparty.contains('@'), "{file}");
        assert_ne!(lines[0].counterparty, "owner@shop.example", "{file}");
        assert_ne!(lines[2].counterparty, "owner@shop.example", "{file}");
        assert_eq!(lines[4].counterparty, lines[2].counterparty, "{file}");
    }
}

#[test]
fn the_us_and_uk_exports_differ_only_in_their_dates() {
    let us = parse_paypal_csv(&fixture("paypal-en-us.csv"), None)
        .unwrap()
        .lines;
    let uk = parse_paypal_csv(&fixture("paypal-en-gb.csv"), None)
        .unwrap()
        .lines;
    // Line 7 (the 13th) tells the layouts apart; 3/5 is 5 March in the US file and 05/03 is
    // 5 March in the UK one.
    assert_eq!(us[4].booked_on.to_string(), "2026-03-05");
    assert_eq!(uk[4].booked_on.to_string(), "2026-03-05");
    // Without the 13th, an English file cannot tell, and the import asks.
    let text = String::from_utf8(fixture("paypal-en-us.csv")).unwrap();
    let first_six: String = text.lines().take(6).map(|l| format!("{l}\n")).collect();
    let err = parse_paypal_csv(first_six.as_bytes(), None).unwrap_err();
    assert_eq!(err.code(), Some("ambiguous_dates"));
    assert!(
        err.to_string().contains("3/2/2026 is 3 February 2026"),
        "{err}"
    );
}
