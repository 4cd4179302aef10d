//! Reconciliation that never marks the wrong payout paid: a payout number in free text is
//! evidence, not proof; pending lines are never confirmed; the ledger re-checks every pair the
//! webview sends; a camt entry's direction is its own, not its charges'; entries without the
//! bank's reference, and batches of NOTPROVIDED transfers, import.

mod common;

use common::*;
use ledger::payouts::PayoutStatus;
use ledger::statements::{
    Confirmation, LineKind, MatchState, ReviewLine, ReviewQuery, StatementFormat,
};
use ledger::{Ledger, Origin, Refusal, Source};

/// Payouts PO-000001 to PO-000025 of 12.50 EUR to bank accounts; PO-000022 is 99.00 EUR;
/// PO-000023 was sent (On Process); PO-000025 goes to Renée Dubois.
async fn twenty_five_payouts(l: &Ledger) {
    for i in 1..=25 {
        let c = customer(l, &format!("customer{i}")).await;
        let holder = if i == 25 {
            "Renée Dubois".to_owned()
        } else {
            format!("Holder {i}")
        };
        l.add_payment_account(
            &me(),
            c.id,
            &iban_account(&holder, "DE89370400440532013000"),
        )
        .await
        .unwrap();
        let amount = if i == 22 { "99.00" } else { "12.50" };
        let payout = pay(l, approved(l, c.id, amount, "EUR").await.id).await;
        assert_eq!(payout.number, format!("PO-{i:06}"));
        if i == 23 {
            sent(l, payout.id).await;
        }
    }
}

/// A bank's camt.053 of one day, as banks write them (see each entry).
const STATEMENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-20260301</MsgId><CreDtTm>2026-03-02T06:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-20260301-1</Id>
      <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
      <!-- 1: a supplier's invoice; its remittance line happens to say PO-25. -->
      <Ntry>
        <Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-03-01</Dt></BookgDt>
        <AcctSvcrRef>2026030100017</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Cdtr><Pty><Nm>Bürobedarf Schmidt GmbH</Nm></Pty></Cdtr></RltdPties>
          <RmtInf><Ustrd>Bestellung PO-25</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <!-- 2: the cashback itself, typed by hand in online banking: no AcctSvcrRef, only the
           entry's NtryRef; the name as the bank writes it. -->
      <Ntry>
        <NtryRef>NR-0007</NtryRef>
        <Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-03-01</Dt></BookgDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><Cdtr><Pty><Nm>DUBOIS, RENEE</Nm></Pty></Cdtr></RltdPties>
          <RmtInf><Ustrd>Cashback PO-000025</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <!-- 3: a transfer the bank has not booked yet. -->
      <Ntry>
        <Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
        <BookgDt><Dt>2026-03-01</Dt></BookgDt>
        <AcctSvcrRef>2026030100019</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>PO-000024</EndToEndId></Refs>
          <RltdPties><Cdtr><Pty><Nm>Holder 24</Nm></Pty></Cdtr></RltdPties>
        </TxDtls></NtryDtls>
      </Ntry>
      <!-- 4: a batch booking of two standing orders, no references at all. -->
      <Ntry>
        <Amt Ccy="EUR">80.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-03-01</Dt></BookgDt>
        <NtryDtls>
          <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">40.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Cdtr><Pty><Nm>Hausverwaltung Meyer</Nm></Pty></Cdtr></RltdPties>
            <RmtInf><Ustrd>Miete Lager</Ustrd></RmtInf></TxDtls>
          <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">40.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Cdtr><Pty><Nm>Hausverwaltung Meyer</Nm></Pty></Cdtr></RltdPties>
            <RmtInf><Ustrd>Miete Lager</Ustrd></RmtInf></TxDtls>
        </NtryDtls>
      </Ntry>
      <!-- 5: PO-000023 came back (account closed), with the returning bank's charges. -->
      <Ntry>
        <Amt Ccy="EUR">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-03-01</Dt></BookgDt>
        <AcctSvcrRef>2026030100021</AcctSvcrRef>
        <Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">2.50</TtlChrgsAndTaxAmt>
          <Rcrd><Amt Ccy="EUR">2.50</Amt><CdtDbtInd>DBIT</CdtDbtInd></Rcrd></Chrgs>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>PO-000023</EndToEndId></Refs>
          <RltdPties><Dbtr><Pty><Nm>Holder 23</Nm></Pty></Dbtr></RltdPties>
          <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>"#;

fn bank() -> Origin {
    Origin {
        source: Source::Import,
        ..me()
    }
}

fn by_line(review: &[ReviewLine], line_no: i64) -> Vec<&ReviewLine> {
    review.iter().filter(|l| l.line_no == line_no).collect()
}

#[tokio::test]
async fn a_number_in_free_text_is_evidence_and_pending_is_never_paid() {
    let b = book().await;
    let l = &b.ledger;
    twenty_five_payouts(l).await;
    let import = l
        .import_statement(
            &bank(),
            "camt053.xml",
            STATEMENT.as_bytes(),
            &StatementFormat::Camt053,
        )
        .await
        .expect("one entry without AcctSvcrRef or a batch of NOTPROVIDED transfers loses no file");
    assert_eq!(import.new_lines, 6);
    let import = import.import_id.unwrap();
    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();

    // 1. The supplier's "Bestellung PO-25" only suggests PO-000025, and says what disagrees.
    let supplier = by_line(&review.lines, 1)[0];
    assert_eq!(supplier.state, MatchState::Suggested);
    assert_eq!(supplier.candidates[0].number, "PO-000025");
    assert!(
        supplier
            .evidence
            .contains("the recipient differs (Bürobedarf Schmidt GmbH)"),
        "{}",
        supplier.evidence
    );
    // 2. The same number beside the customer's name, as the bank writes it, is a match.
    let cashback = by_line(&review.lines, 2)[0];
    assert_eq!(
        (cashback.state, cashback.candidates[0].number.as_str()),
        (MatchState::Matched, "PO-000025"),
        "{}",
        cashback.evidence
    );
    // 3. Pending at the bank: shown, never matched.
    let pending = by_line(&review.lines, 3)[0];
    assert_eq!(pending.state, MatchState::Pending);
    assert_eq!(review.counts.pending, 1);
    // 4. Two transfers of one batch, told apart.
    assert_eq!(by_line(&review.lines, 4).len(), 2);
    // 5. Money back for a payout that went out, whatever its charges say.
    let returned = by_line(&review.lines, 5)[0];
    assert_eq!(
        (returned.kind, returned.amount.minor(), returned.state),
        (LineKind::Return, 1250, MatchState::Matched)
    );

    // The imports list says what is left to do in it.
    let listed = async || {
        let page = l
            .statement_imports(ledger::PageRequest {
                page: 1,
                page_size: 10,
            })
            .await
            .unwrap();
        let i = &page.items[0];
        (
            page.total,
            i.file_name.clone(),
            i.imported_by.clone(),
            i.lines,
            i.confirmed,
            i.pending,
            i.open,
        )
    };
    assert_eq!(
        listed().await,
        (1, "camt053.xml".into(), "Test Owner".into(), 6, 0, 1, 5)
    );

    // Confirming every exact match pays PO-000025 once, by its real line, and returns PO-23.
    let done = l
        .confirm_matched_lines(&bank(), import, &|_| true)
        .await
        .unwrap();
    assert_eq!(
        listed().await,
        (1, "camt053.xml".into(), "Test Owner".into(), 6, 2, 1, 3)
    );
    assert_eq!(done.confirmed, ["PO-000025", "PO-000023"], "in file order");
    assert_eq!(
        l.payout(PayoutId(25))
            .await
            .unwrap()
            .external_reference
            .as_deref(),
        Some("NR-0007")
    );
    assert_eq!(
        l.payout(PayoutId(23)).await.unwrap().status,
        PayoutStatus::Failed
    );
    assert_eq!(
        l.payout(PayoutId(24)).await.unwrap().status,
        PayoutStatus::Pending
    );
}

#[tokio::test]
async fn the_ledger_rechecks_every_pair_the_webview_sends() {
    let b = book().await;
    let l = &b.ledger;
    twenty_five_payouts(l).await;
    let import = l
        .import_statement(
            &bank(),
            "camt053.xml",
            STATEMENT.as_bytes(),
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
    let line = |n: i64| by_line(&review.lines, n)[0].id;
    let forged = [
        // 12.50 paid, said to be the 99.00 payout.
        Confirmation {
            line_id: line(2),
            payout_id: PayoutId(22),
        },
        // Not booked yet.
        Confirmation {
            line_id: line(3),
            payout_id: PayoutId(24),
        },
        // Money back for a payout that never went out.
        Confirmation {
            line_id: line(5),
            payout_id: PayoutId(21),
        },
    ];
    let events = count(l, "audit_events").await;
    let outcome = l
        .confirm_statement_lines(&bank(), import, &forged)
        .await
        .unwrap();
    assert!(outcome.confirmed.is_empty());
    let refusals: Vec<_> = outcome.skipped.iter().map(|s| s.refusal.clone()).collect();
    assert_eq!(
        refusals,
        [
            Refusal::LineAmountDiffers,
            Refusal::LinePending,
            Refusal::ReturnOfUnsentPayout(PayoutStatus::Pending),
        ]
    );
    assert_eq!(count(l, "audit_events").await, events, "nothing written");
    for id in [21, 22, 24] {
        assert_eq!(
            l.payout(PayoutId(id)).await.unwrap().status,
            PayoutStatus::Pending
        );
    }
}
