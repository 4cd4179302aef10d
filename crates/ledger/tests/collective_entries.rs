//! A bank that books a whole SEPA file the app wrote as one collective entry ("Sammler"): the
//! entry names the file by its PmtInfId (or MsgId), and is matched to all the file's payouts,
//! which are confirmed together or not at all.

mod common;

use common::*;
use ledger::payment_files::PaymentFileKind;
use ledger::payouts::PayoutStatus;
use ledger::statements::{Confirmation, MatchState, ReviewLine, ReviewQuery, StatementFormat};
use ledger::{Ledger, Origin, Refusal, Source};

/// Three EUR payouts to bank accounts, written into one SEPA file (and so On Process); the
/// file's id (MsgId = PmtInfId) and its payouts.
async fn sepa_file(l: &Ledger, dir: &std::path::Path) -> (String, Vec<PayoutId>) {
    let ids = euro_bank_payouts(l).await;
    let files = l
        .payment_files(&me(), PaymentFileKind::Sepa, &ids, dir, true)
        .await
        .unwrap();
    let xml = std::fs::read_to_string(&files.files[0]).unwrap();
    let id = xml
        .split("<PmtInfId>")
        .nth(1)
        .and_then(|rest| rest.split("</PmtInfId>").next())
        .unwrap()
        .to_owned();
    assert!(id.len() <= 35, "{id}");
    (id, ids)
}

/// A camt.053.001.08 day with one collective debit, as German banks book a SEPA file without
/// single entries: `Btch` names the file, no `TxDtls` per transfer.
fn collective_statement(batch: &str, total: &str) -> String {
    collective_statement_charged(batch, total, "")
}

/// As [`collective_statement`], with the bank's charges for the file (`Chrgs`) included in the
/// debit, as a bank that charges per collective transfer books them; none when empty.
fn collective_statement_charged(batch: &str, total: &str, charges: &str) -> String {
    let charges = if charges.is_empty() {
        String::new()
    } else {
        format!(
            r#"<Chrgs>
          <TtlChrgsAndTaxAmt Ccy="EUR">{charges}</TtlChrgsAndTaxAmt>
          <Rcrd>
            <Amt Ccy="EUR">{charges}</Amt><CdtDbtInd>DBIT</CdtDbtInd><ChrgInclInd>true</ChrgInclInd>
            <Tp><Prtry><Id>SEPA-SAMMLER-ENTGELT</Id></Prtry></Tp>
          </Rcrd>
        </Chrgs>"#
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-20260106</MsgId><CreDtTm>2026-01-07T06:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-20260106-1</Id>
      <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ownr><Nm>Cafe Uenal GmbH</Nm></Ownr></Acct>
      <Ntry>
        <NtryRef>20260106-SAMMLER-1</NtryRef>
        <Amt Ccy="EUR">{total}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><DtTm>2026-01-06T10:15:00+01:00</DtTm></BookgDt>
        <ValDt><Dt>2026-01-06</Dt></ValDt>
        <AcctSvcrRef>2026010600042</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        {charges}
        <NtryDtls>
          <Btch><MsgId>{batch}</MsgId><PmtInfId>{batch}</PmtInfId><NbOfTxs>3</NbOfTxs></Btch>
        </NtryDtls>
        <AddtlNtryInf>SAMMLER-UEBERWEISUNG 3 POSTEN</AddtlNtryInf>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"#
    )
}

/// Imports the collective entry of `total` EUR for the file `batch`: the import and its line.
async fn import_collective(l: &Ledger, batch: &str, total: &str) -> (i64, ReviewLine) {
    import_statement(l, &collective_statement(batch, total)).await
}

async fn import_statement(l: &Ledger, xml: &str) -> (i64, ReviewLine) {
    let import = l
        .import_statement(
            &import_origin(),
            "camt053.xml",
            xml.as_bytes(),
            &StatementFormat::Camt053,
        )
        .await
        .unwrap()
        .import_id
        .unwrap();
    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();
    (import, review.lines[0].clone())
}

fn import_origin() -> Origin {
    Origin {
        source: Source::Import,
        ..me()
    }
}

#[tokio::test]
async fn one_entry_for_a_whole_sepa_file_pays_all_its_payouts_together() {
    let b = book().await;
    let l = &b.ledger;
    let out = tempfile::tempdir().unwrap();
    let (batch, ids) = sepa_file(l, out.path()).await;
    let (import, line) = import_collective(l, &batch, "39.75").await;
    assert_eq!(line.state, MatchState::Matched, "{}", line.evidence);
    assert!(
        line.evidence.contains("3 payouts of payment file"),
        "{}",
        line.evidence
    );
    let numbers: Vec<_> = line.candidates.iter().map(|p| p.number.as_str()).collect();
    assert_eq!(numbers, ["PO-000001", "PO-000002", "PO-000003"]);
    assert!(l.payouts_without_line(import).await.unwrap().is_empty());

    // The webview must name one of the file's payouts; any other is refused.
    let stranger = {
        let c = customer(l, "dee").await;
        l.add_payment_account(&me(), c.id, &iban_account("Dee", "DE89370400440532013000"))
            .await
            .unwrap();
        pay(l, approved(l, c.id, "39.75", "EUR").await.id).await.id
    };
    let outcome = l
        .confirm_statement_lines(
            &import_origin(),
            import,
            &[Confirmation {
                line_id: line.id,
                payout_id: stranger,
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        outcome.skipped[0].refusal,
        Refusal::PayoutNotInFile(stranger)
    );

    let outcome = l
        .confirm_matched_lines(&import_origin(), import, &|_| true)
        .await
        .unwrap();
    assert_eq!(outcome.confirmed, ["PO-000001", "PO-000002", "PO-000003"]);
    for id in ids {
        let payout = l.payout(id).await.unwrap();
        assert_eq!(payout.status, PayoutStatus::Success);
        assert_eq!(payout.external_reference.as_deref(), Some("2026010600042"));
        assert_eq!(payout.paid_on.as_deref(), Some("2026-01-06"));
    }
    // The file's payment run shows the entry that paid it, and all its payouts paid.
    let run = &l
        .list_runs(ledger::PageRequest {
            page: 1,
            page_size: 10,
        })
        .await
        .unwrap()
        .items[0];
    assert_eq!(run.batch_id.as_deref(), Some(batch.as_str()));
    assert_eq!(
        run.paid_by,
        [ledger::runs::StatementEntry {
            reference: "2026010600042".into(),
            booked_on: "2026-01-06".into(),
        }]
    );
    assert_eq!(
        run.statuses,
        [ledger::runs::StatusCount {
            status: PayoutStatus::Success,
            count: 3,
        }]
    );
    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(review.lines[0].state, MatchState::Confirmed);
}

#[tokio::test]
async fn an_entry_that_is_not_the_files_total_is_only_a_suggestion_and_pays_nothing() {
    let b = book().await;
    let l = &b.ledger;
    let out = tempfile::tempdir().unwrap();
    let (batch, ids) = sepa_file(l, out.path()).await;
    // The bank booked two of the three transfers (one was rejected before booking).
    let (import, line) = import_collective(l, &batch, "32.50").await;
    assert_eq!(line.state, MatchState::Suggested);
    assert!(
        line.evidence.contains("not the file's total"),
        "{}",
        line.evidence
    );
    let outcome = l
        .confirm_statement_lines(
            &import_origin(),
            import,
            &[Confirmation {
                line_id: line.id,
                payout_id: ids[0],
            }],
        )
        .await
        .unwrap();
    assert_eq!(outcome.skipped[0].refusal, Refusal::LineAmountDiffers);
    for id in ids {
        assert_eq!(l.payout(id).await.unwrap().status, PayoutStatus::OnProcess);
    }
}

/// The bank's charges for the whole file, included in the one debit: the entry still pays the
/// file, and each payout's fee is its share of the charges by amount (to the cent, adding up).
/// A payout already marked paid by hand with the entry's reference is linked with an event of
/// its own and keeps what was recorded for it.
#[tokio::test]
async fn a_collective_entrys_charges_are_shared_over_its_payouts() {
    let b = book().await;
    let l = &b.ledger;
    let out = tempfile::tempdir().unwrap();
    let (batch, ids) = sepa_file(l, out.path()).await;
    let by_hand = ledger::payouts::StatusChange {
        status: PayoutStatus::Success,
        failure_reason: None,
        external_reference: "2026010600042".into(),
        note: "Seen in online banking".into(),
        payment: Default::default(),
    };
    l.change_payout_status(&me(), ids[1], &by_hand)
        .await
        .unwrap();
    // 39.75 for the three transfers and 0.75 of charges, booked as one debit of 40.50.
    let xml = collective_statement_charged(&batch, "40.50", "0.75");
    let (import, line) = import_statement(l, &xml).await;
    assert_eq!(line.state, MatchState::Matched, "{}", line.evidence);
    let outcome = l
        .confirm_matched_lines(&import_origin(), import, &|_| true)
        .await
        .unwrap();
    assert_eq!(outcome.confirmed, ["PO-000001", "PO-000002", "PO-000003"]);
    let fee = |id| async move {
        let payout = l.payout(id).await.unwrap();
        assert_eq!(payout.status, PayoutStatus::Success);
        assert_eq!(payout.external_reference.as_deref(), Some("2026010600042"));
        payout.fee.map(|fee| fee.to_string())
    };
    // 0.75 over 12.50, 20.00 and 7.25 is 0.2358…, 0.3773… and 0.1367…: 0.23 + 0.38 + 0.14.
    assert_eq!(fee(ids[0]).await.as_deref(), Some("0.23 EUR"));
    assert_eq!(fee(ids[2]).await.as_deref(), Some("0.14 EUR"));
    // Marked paid by hand before: linked, with its own event, and nothing else changed.
    assert_eq!(fee(ids[1]).await, None, "no fee was recorded by hand");
    let history = l.payout_history(ids[1]).await.unwrap();
    let last = history.iter().max_by_key(|e| e.seq).unwrap();
    assert_eq!(last.action, "reconcile", "{history:?}");
    assert!(last.note.contains("already settled"), "{}", last.note);
    assert!(last.changes.is_empty());
}
