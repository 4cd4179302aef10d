//! Telling the customer (issue 14, item 8): the ready message about a payout, saved as an
//! e-mail draft for one payout or every payout of a run.

mod common;

use common::*;
use ledger::customers::CustomerInput;
use ledger::payment_files::PaymentFileKind;
use ledger::payouts::{Payment, PayoutStatus, StatusChange};
use ledger::{PaidVia, RunId};

/// Undoes quoted-printable soft breaks and `=XX` escapes.
fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let mut bytes = Vec::new();
    let mut rest = joined.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'=' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).unwrap();
            bytes.push(u8::from_str_radix(hex, 16).unwrap());
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn a_paid_payout_tells_what_how_much_how_and_the_reference() {
    let b = book().await;
    let l = &b.ledger;
    let c = l
        .add_customer(
            &me(),
            &CustomerInput {
                username: "zoe".into(),
                display_name: "Zoë Åberg".into(),
                email: "zoe@example.se".into(),
            },
        )
        .await
        .unwrap();
    l.add_payment_account(&me(), c.id, &paypal("zoe.aberg@example.se"))
        .await
        .unwrap();
    let id = pay(l, approved(l, c.id, "12.50", "EUR").await.id).await.id;
    let paid = StatusChange {
        external_reference: "7XK2 4411".into(),
        payment: Payment {
            paid_on: "2026-01-04".into(),
            paid_via: Some(PaidVia::Paypal),
            ..Payment::default()
        },
        ..StatusChange::to(PayoutStatus::Success)
    };
    l.change_payout_status(&me(), id, &paid).await.unwrap();
    l.set_operator_name(&me(), "Dana at Corner Shop")
        .await
        .unwrap();

    let message = l.payout_message(&me(), id).await.unwrap();
    assert_eq!(message.to.as_deref(), Some("zoe@example.se"));
    assert_eq!(message.subject, "Your payout PO-000001: 12.50 EUR");
    for line in [
        "Hello Zoë Åberg,",
        "we have paid you 12.50 EUR by PayPal on 2026-01-04.",
        "Payout: PO-000001 (for request IR-000001)",
        "Reference: 7XK2 4411",
        "Dana at Corner Shop",
    ] {
        assert!(
            message.body.lines().any(|l| l == line),
            "{line:?} not in\n{}",
            message.body
        );
    }
    // The account paid to only masked.
    assert!(
        !message.body.contains("zoe.aberg@example.se"),
        "{}",
        message.body
    );
    assert!(message.body.contains("PayPal · z"), "{}", message.body);

    let target = b.dir.path().join("zoe.eml");
    l.save_payout_message(&me(), id, &target).await.unwrap();
    let eml = std::fs::read_to_string(&target).unwrap();
    let (head, body) = eml.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("To: zoe@example.se\r\nSubject: Your payout PO-000001: 12.50 EUR\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nX-Unsent: 1\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; charset=utf-8"),
        "{head}"
    );
    assert!(
        eml.split("\r\n")
            .all(|line| line.len() <= 78 && line.is_ascii()),
        "{eml}"
    );
    assert_eq!(
        unquote(body),
        format!("{}\r\n", message.body.replace('\n', "\r\n"))
    );
    // Never over a file; every saved message is in the trail.
    let err = l.save_payout_message(&me(), id, &target).await.unwrap_err();
    assert_eq!(err.kind(), "conflict");
    let history = l.payout_history(id).await.unwrap();
    assert_eq!(history[0].note, "Message to the customer saved.");
}

#[tokio::test]
async fn a_run_saves_an_email_for_each_customer_with_an_address() {
    let b = book().await;
    let l = &b.ledger;
    let mut ids = euro_bank_payouts(l).await;
    let quiet = l
        .add_customer(
            &me(),
            &CustomerInput {
                username: "quiet".into(),
                display_name: "No Mail".into(),
                email: String::new(),
            },
        )
        .await
        .unwrap();
    l.add_payment_account(
        &me(),
        quiet.id,
        &iban_account("No Mail", "DE89370400440532013000"),
    )
    .await
    .unwrap();
    ids.push(
        pay(l, approved(l, quiet.id, "1.00", "EUR").await.id)
            .await
            .id,
    );
    l.payment_files(&me(), PaymentFileKind::Sepa, &ids, b.dir.path(), true)
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    // One of the files is there already: none is written, nothing is recorded.
    std::fs::write(out.path().join("PO-000002.eml"), "mine").unwrap();
    let events = count(l, "audit_events").await;
    let err = l
        .save_run_messages(&me(), RunId(1), out.path())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "conflict");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    assert_eq!(count(l, "audit_events").await, events);
    std::fs::remove_file(out.path().join("PO-000002.eml")).unwrap();
    let saved = l
        .save_run_messages(&me(), RunId(1), out.path())
        .await
        .unwrap();
    let names: Vec<_> = saved
        .written
        .iter()
        .map(|p| {
            std::path::Path::new(p)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["PO-000001.eml", "PO-000002.eml", "PO-000003.eml"]);
    assert_eq!(saved.without_email, ["PO-000004"]);
    let first = std::fs::read_to_string(&saved.written[0]).unwrap();
    assert!(first.starts_with("To: ada@example.com\r\n"), "{first}");
    let body = first.split_once("\r\n\r\n").unwrap().1;
    assert!(
        unquote(body).contains("we have sent you 12.50 EUR by bank transfer"),
        "{first}"
    );
}

#[tokio::test]
async fn a_message_before_payment_names_the_wallet_it_will_be_paid_to() {
    let b = book().await;
    let l = &b.ledger;
    let request = payable(l, "ada").await;
    let id = pay(l, request.id).await.id;
    let message = l.payout_message(&me(), id).await.unwrap();
    assert!(
        message
            .body
            .contains("we will pay you 12.50 USD by PayPal shortly."),
        "{}",
        message.body
    );
}
