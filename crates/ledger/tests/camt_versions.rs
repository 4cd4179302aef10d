//! camt.053 statements as banks send them, versions .001.02 and .001.08, from the fixtures in
//! `tests/fixtures/statements/` (their README says what each entry is and where the shapes come
//! from): a single transfer, a collective debit for a payment file, a return with the bank's
//! charges, an entry known only by its NtryRef, a pending transfer and a supplier's invoice.

use ledger::statements::{parse_camt053, LineKind, ReferenceSource};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/statements")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn both_versions_read_to_the_same_lines() {
    use LineKind::*;
    use ReferenceSource::*;
    for file in ["camt053-001-02.xml", "camt053-001-08.xml"] {
        let lines = parse_camt053(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let read: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l.line_no,
                    l.amount.minor(),
                    l.kind,
                    l.pending,
                    l.payout_reference.as_deref(),
                    l.reference_source,
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (1, -2500, Payment, false, Some("PO-000001"), Field),
                // The collective debit, one line per transfer of the payment file.
                (2, -4000, Payment, false, Some("PO-000002"), Field),
                (2, -6000, Payment, false, Some("PO-000003"), Field),
                (2, -8000, Payment, false, Some("PO-000004"), Field),
                // Money back, whatever direction its charges carry.
                (3, 11_750, Return, false, Some("PO-000005"), Field),
                // A customer's payment in: no payout.
                (4, 4990, Other, false, None, Text),
                (5, -3000, Payment, true, Some("PO-000006"), Field),
                // "Bestellung PO-25": free text, evidence at most.
                (6, -8940, Payment, false, Some("PO-000025"), Text),
            ],
            "{file}"
        );
        assert_eq!(lines[7].counterparty, "Bürobedarf Schmidt GmbH", "{file}");
        assert_eq!(lines[5].counterparty, "Clara Hoffmann", "{file}");
        let fingerprints: std::collections::HashSet<_> =
            lines.iter().map(|l| l.fingerprint.as_str()).collect();
        assert_eq!(
            fingerprints.len(),
            lines.len(),
            "{file}: each line known apart"
        );
    }
}
