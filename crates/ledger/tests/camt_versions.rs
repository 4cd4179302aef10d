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
        let lines = parse_camt053(&fixture(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .lines;
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

mod common;

use common::*;
use ledger::payouts::PayoutStatus;
use ledger::statements::{MatchState, ReviewQuery, StatementFormat};
use ledger::FailureReason;
use ledger::{Origin, Source};

/// The payouts the fixtures pay: PO-000001..6 in euros to the people the statements name;
/// PO-000005 was sent (it comes back), the others wait.
async fn fixture_payouts(l: &ledger::Ledger) {
    for (i, (name, amount)) in [
        ("Jürgen Groß", "25.00"),
        ("Anna Nowak", "40.00"),
        ("Mehmet Yılmaz", "60.00"),
        ("Renée Dubois", "80.00"),
        ("Lukas Brenner", "120.00"),
        ("Sophie Martin", "30.00"),
    ]
    .into_iter()
    .enumerate()
    {
        let c = customer(l, &format!("customer{i}")).await;
        l.add_payment_account(&me(), c.id, &iban_account(name, "DE89370400440532013000"))
            .await
            .unwrap();
        let payout = pay(l, approved(l, c.id, amount, "EUR").await.id).await;
        if i == 4 {
            sent(l, payout.id).await;
        }
    }
}

#[tokio::test]
async fn a_bank_day_is_confirmed_with_its_booking_day_and_the_banks_charges() {
    for file in ["camt053-001-02.xml", "camt053-001-08.xml"] {
        let b = book().await;
        let l = &b.ledger;
        fixture_payouts(l).await;
        let bank = Origin {
            source: Source::Import,
            ..me()
        };
        let import = l
            .import_statement(&bank, file, &fixture(file), &StatementFormat::Camt053)
            .await
            .unwrap()
            .import_id
            .unwrap();
        let review = l
            .statement_review(import, &ReviewQuery::all())
            .await
            .unwrap();
        let states: Vec<_> = review
            .lines
            .iter()
            .map(|l| (l.state, l.candidates.first().map(|p| p.number.as_str())))
            .collect();
        assert_eq!(
            states,
            [
                (MatchState::Matched, Some("PO-000001")),
                (MatchState::Matched, Some("PO-000002")),
                (MatchState::Matched, Some("PO-000003")),
                (MatchState::Matched, Some("PO-000004")),
                // 117.50 back for 120.00 sent: the bank kept 2.50.
                (MatchState::Matched, Some("PO-000005")),
                (MatchState::Unmatched, None),
                (MatchState::Pending, Some("PO-000006")),
                // The supplier's "PO-25" names a payout this book never issued.
                (MatchState::Unmatched, None),
            ],
            "{file}"
        );
        assert_eq!(review.lines[4].counterparty, "Lukas Brenner", "{file}");
        l.confirm_matched_lines(&bank, import, &|_| true)
            .await
            .unwrap();
        for id in 1..=4 {
            let paid = l.payout(PayoutId(id)).await.unwrap();
            assert_eq!(
                (paid.status, paid.paid_on.as_deref()),
                (PayoutStatus::Success, Some("2026-03-03")),
                "{file}: paid on the booking day, not the day it was confirmed"
            );
        }
        // The bank's return reason AC04 (closed account) is why it failed, and the note says
        // the code.
        let returned = l.payout(PayoutId(5)).await.unwrap();
        assert_eq!(
            (returned.status, returned.failure_reason),
            (PayoutStatus::Failed, Some(FailureReason::AccountClosed)),
            "{file}"
        );
        let history = l.payout_detail(PayoutId(5)).await.unwrap().history;
        assert!(
            history[0].note.ends_with("(AC04)."),
            "{file}: {}",
            history[0].note
        );
        assert_eq!(
            l.payout(PayoutId(6)).await.unwrap().status,
            PayoutStatus::Pending
        );
        // "Paid this month" counts by the day it was paid: March, though confirmed in January.
        let march =
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 20, 12, 0, 0).unwrap();
        let totals = l.needs_attention(march, 30).await.unwrap().totals;
        assert_eq!(
            totals[0].paid_this_month.to_string(),
            "205.00 EUR",
            "{file}"
        );
        let january = l.needs_attention(me().at, 30).await.unwrap().totals;
        assert_eq!(january[0].paid_this_month.to_string(), "0.00 EUR", "{file}");
    }
}
