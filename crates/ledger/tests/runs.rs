//! Payment runs (issue 14, item 6): each payment file written is a run holding its payouts and
//! its bytes; it is written again byte for byte, marked paid as a whole, and never changes.

mod common;

use common::*;
use ledger::payment_files::PaymentFileKind;
use ledger::payouts::{Payment, PayoutStatus, StatusChange};
use ledger::runs::StatusCount;
use ledger::{Ledger, Origin, PageRequest, RunId};

const FIRST: PageRequest = PageRequest {
    page: 1,
    page_size: 20,
};

/// Three EUR payouts to German IBANs, and a USD one to PayPal.
async fn payouts(l: &Ledger) -> (Vec<PayoutId>, PayoutId) {
    let euro = euro_bank_payouts(l).await;
    let usd = pay(l, payable(l, "dee").await.id).await.id;
    (euro, usd)
}

#[tokio::test]
async fn a_sepa_file_is_a_run_written_again_byte_for_byte_and_never_over_a_file() {
    let b = book().await;
    let l = &b.ledger;
    let (euro, _) = payouts(l).await;
    let first = tempfile::tempdir().unwrap();
    let files = l
        .payment_files(&me(), PaymentFileKind::Sepa, &euro, first.path(), true)
        .await
        .unwrap();
    assert_eq!(files.runs, ["RUN-000001"]);
    let runs = l.list_runs(FIRST).await.unwrap();
    assert_eq!(runs.total, 1);
    let run = &runs.items[0];
    assert_eq!(run.kind, PaymentFileKind::Sepa);
    assert_eq!(
        (run.payout_count, run.total.to_string()),
        (3, "39.75 EUR".to_owned())
    );
    assert_eq!(run.file_name, "sepa-credit-transfer-20260105-EUR.xml");
    assert_eq!(run.operator, "Test Owner");
    assert!(
        run.batch_id
            .as_deref()
            .is_some_and(|id| id.starts_with("INCENTISE-")),
        "{:?}",
        run.batch_id
    );
    assert_eq!(
        run.statuses,
        [StatusCount {
            status: PayoutStatus::OnProcess,
            count: 3
        }]
    );
    let detail = l.payment_run(RunId(1)).await.unwrap();
    let numbers: Vec<_> = detail.payouts.iter().map(|p| p.id).collect();
    assert_eq!(numbers, euro);

    let original = std::fs::read(&files.files[0]).unwrap();
    let again = tempfile::tempdir().unwrap();
    let written = l
        .write_run_again(&me(), RunId(1), again.path())
        .await
        .unwrap();
    assert_eq!(std::fs::read(&written).unwrap(), original, "byte for byte");
    let err = l
        .write_run_again(&me(), RunId(1), first.path())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "conflict");
    assert_eq!(std::fs::read(&files.files[0]).unwrap(), original);
    let history = l
        .history(ledger::Record::PaymentRun(RunId(1)))
        .await
        .unwrap();
    let actions: Vec<_> = history
        .iter()
        .map(|e| (e.action.as_str(), e.note.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("export", "Written again."),
            ("export", "SEPA credit transfer file written.")
        ]
    );
    let state = l.replay_history().await.unwrap();
    assert_eq!(state.total_differences, 0, "{:?}", state.differences);
}

#[tokio::test]
async fn each_currency_is_a_run_of_its_own() {
    let b = book().await;
    let l = &b.ledger;
    let (euro, usd) = payouts(l).await;
    let c = customer(l, "eve").await;
    l.add_payment_account(&me(), c.id, &paypal("eve@example.com"))
        .await
        .unwrap();
    let eur_wallet = pay(l, approved(l, c.id, "3.00", "EUR").await.id).await.id;
    let files = l
        .payment_files(
            &me(),
            PaymentFileKind::Paypal,
            &[euro[0], usd, eur_wallet],
            b.dir.path(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(files.runs, ["RUN-000001", "RUN-000002"]);
    let runs = l.list_runs(FIRST).await.unwrap().items;
    let shown: Vec<_> = runs
        .iter()
        .map(|r| (r.number.as_str(), r.total.to_string(), r.batch_id.is_none()))
        .collect();
    assert_eq!(
        shown,
        [
            ("RUN-000002", "12.50 USD".to_owned(), true),
            ("RUN-000001", "3.00 EUR".to_owned(), true)
        ]
    );
    assert_eq!(runs[0].statuses[0].status, PayoutStatus::Pending);
}

#[tokio::test]
async fn a_run_is_marked_paid_as_a_whole_and_a_payout_that_cannot_be_is_named() {
    let b = book().await;
    let l = &b.ledger;
    let (euro, _) = payouts(l).await;
    l.payment_files(&me(), PaymentFileKind::Sepa, &euro, b.dir.path(), true)
        .await
        .unwrap();
    // One came back before the run was marked; one was marked paid already.
    let failed = StatusChange {
        failure_reason: Some(ledger::FailureReason::AccountClosed),
        ..StatusChange::to(PayoutStatus::Failed)
    };
    l.change_payout_status(&me(), euro[0], &failed)
        .await
        .unwrap();
    l.change_payout_status(&me(), euro[1], &StatusChange::to(PayoutStatus::Success))
        .await
        .unwrap();
    let payment = Payment {
        paid_on: "2026-01-04".into(),
        ..Payment::default()
    };
    let outcome = l.mark_run_paid(&me(), RunId(1), &payment).await.unwrap();
    assert_eq!(outcome.changed, [euro[2].to_string()]);
    let skipped: Vec<_> = outcome
        .skipped
        .iter()
        .map(|s| (s.id, s.refusal.code()))
        .collect();
    assert_eq!(skipped, [(euro[0], "failed_since_run")]);
    let paid = l.payout(euro[2]).await.unwrap();
    assert_eq!(paid.paid_on.as_deref(), Some("2026-01-04"));
    assert_eq!(
        paid.paid_via,
        Some(ledger::PaidVia::BankTransfer),
        "a SEPA run pays by bank transfer"
    );
    let history = l.payout_history(euro[2]).await.unwrap();
    assert_eq!(history[0].note, "Paid with payment run RUN-000001.");
    let run = &l.list_runs(FIRST).await.unwrap().items[0];
    let statuses: Vec<_> = run.statuses.iter().map(|s| (s.status, s.count)).collect();
    assert_eq!(
        statuses,
        [(PayoutStatus::Success, 2), (PayoutStatus::Failed, 1)]
    );

    let err = l
        .mark_run_paid(&me(), RunId(9), &payment)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "not_found");
}

#[tokio::test]
async fn a_run_is_never_changed_and_bytes_changed_behind_the_apps_back_are_named() {
    let b = book().await;
    let l = &b.ledger;
    let (euro, _) = payouts(l).await;
    l.payment_files(&me(), PaymentFileKind::Sepa, &euro, b.dir.path(), false)
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", l.path().display()))
        .await
        .unwrap();
    for refused in [
        "UPDATE payment_runs SET total_minor = 1",
        "DELETE FROM payment_runs",
    ] {
        let err = sqlx::query(refused).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("payment run is never"), "{err}");
    }
    // Someone with sqlite3 drops the guard and swaps an IBAN inside the stored file.
    sqlx::query("DROP TRIGGER payment_runs_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE payment_runs SET content = CAST(replace(CAST(content AS TEXT),
                'DE89370400440532013000', 'DE02120300000000202051') AS BLOB)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let state = l.replay_history().await.unwrap();
    let found: Vec<_> = state
        .differences
        .iter()
        .map(|d| (d.record.as_str(), d.field.as_str()))
        .collect();
    assert_eq!(found, [("RUN-000001", "sha256")]);
    // Nor is the swapped file written out again.
    let again = tempfile::tempdir().unwrap();
    let err = l
        .write_run_again(&me(), RunId(1), again.path())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("not the one the audit trail recorded"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(again.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_run_pays_only_what_it_may_still_pay_and_such_a_payout_is_not_cancelled() {
    let b = book().await;
    let l = &b.ledger;
    let (euro, _) = payouts(l).await;
    // Written without moving them on: all three stay Pending, and the bank may pay them.
    l.payment_files(&me(), PaymentFileKind::Sepa, &euro, b.dir.path(), false)
        .await
        .unwrap();
    let cancel = StatusChange {
        note: "Customer asked to wait".into(),
        ..StatusChange::to(PayoutStatus::Cancelled)
    };
    let err = l
        .change_payout_status(&me(), euro[0], &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("in_payment_run"));
    assert_eq!(
        err.to_string(),
        "It is in payment run RUN-000001, which may still pay it; if it was not paid, move it to Failed first."
    );
    // It came back: failed, retried, it may be cancelled now.
    let failed = StatusChange {
        failure_reason: Some(ledger::FailureReason::ReturnedByBank),
        ..StatusChange::to(PayoutStatus::Failed)
    };
    let later = || Origin::manual("Test Owner", at(30));
    l.change_payout_status(&later(), euro[0], &failed)
        .await
        .unwrap();
    l.change_payout_status(&later(), euro[0], &StatusChange::to(PayoutStatus::Pending))
        .await
        .unwrap();
    // euro[1] fails too and goes into a second run.
    l.change_payout_status(&later(), euro[1], &failed)
        .await
        .unwrap();
    l.change_payout_status(&later(), euro[1], &StatusChange::to(PayoutStatus::Pending))
        .await
        .unwrap();
    let second = tempfile::tempdir().unwrap();
    l.payment_files(
        &later(),
        PaymentFileKind::Sepa,
        &[euro[1]],
        second.path(),
        false,
    )
    .await
    .unwrap();

    let outcome = l
        .mark_run_paid(&later(), RunId(1), &Payment::default())
        .await
        .unwrap();
    assert_eq!(outcome.changed, [euro[2].to_string()]);
    let skipped: Vec<_> = outcome
        .skipped
        .iter()
        .map(|s| (s.id, s.refusal.to_string()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                euro[0],
                "It failed after this run was written, so this run did not pay it.".to_owned()
            ),
            (
                euro[1],
                "It went into payment run RUN-000002 after this one; that run pays it.".to_owned()
            ),
        ]
    );
    l.change_payout_status(&later(), euro[0], &cancel)
        .await
        .unwrap();
    let err = l
        .change_payout_status(&later(), euro[1], &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("in_payment_run"), "RUN-000002 may pay it");

    // Once one of its payouts is paid, the first run's file is not written again.
    let again = tempfile::tempdir().unwrap();
    let err = l
        .write_run_again(&later(), RunId(1), again.path())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("1 of RUN-000001's payouts are paid already"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(again.path()).unwrap().count(), 0);
}
