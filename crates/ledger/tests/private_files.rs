//! Files that carry customers' names and account details are the owner's alone: payment files,
//! exports and backups 0600 from their first byte, the backup folder 0700.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use ledger::payment_files::PaymentFileKind;
use ledger::payouts::PayoutQuery;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn payment_files_exports_and_backups_are_the_owners_alone() {
    let b = book().await;
    let l = &b.ledger;
    let payout = pay(l, payable(l, "ada").await.id).await;
    let out = tempfile::tempdir().unwrap();

    let files = l
        .payment_files(
            &me(),
            PaymentFileKind::Paypal,
            &[payout.id],
            out.path(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(mode(Path::new(&files.files[0])), 0o600);

    let export = out.path().join("payouts.csv");
    l.export_payouts_csv(
        &me(),
        &PayoutQuery::page(1, 20),
        &export,
        Default::default(),
        &|_| true,
    )
    .await
    .unwrap();
    assert_eq!(mode(&export), 0o600);

    let backup = l.back_up(&me()).await.unwrap();
    let dir = l.path().parent().unwrap().join("backups");
    assert_eq!(mode(&dir.join(&backup.file_name)), 0o600);
    assert_eq!(mode(&dir), 0o700);
}
