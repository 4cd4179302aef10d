//! Statement import (PayPal activity CSV, US and European layouts), bad files, idempotent
//! re-import, matching (reference, recipient + amount + window, ambiguity) and confirmation.

mod common;

use common::*;
use ledger::payouts::{PayoutStatus, StatusChange};
use ledger::statements::{
    parse_paypal_csv, Confirmation, DateOrder, LineKind, MatchState, ReviewQuery, StatementFormat,
};
use ledger::Refusal;
use ledger::{Ledger, Origin, Source};

const US: &str = "\u{feff}\"Date\",\"Time\",\"TimeZone\",\"Name\",\"Type\",\"Status\",\"Currency\",\"Gross\",\"Fee\",\"Net\",\"From Email Address\",\"To Email Address\",\"Transaction ID\",\"Custom Number\",\"Balance Impact\"
\"01/07/2026\",\"10:01:02\",\"PST\",\"Ada Example\",\"Mass Pay Payment\",\"Completed\",\"USD\",\"-12.50\",\"0.00\",\"-12.50\",\"owner@shop.example\",\"ada@example.com\",\"1AB23456CD7890123\",\"PO-000001\",\"Debit\"
\"01/07/2026\",\"10:01:03\",\"PST\",\"Bob Example\",\"Mass Pay Payment\",\"Completed\",\"USD\",\"-1,012.50\",\"0.00\",\"-1,012.50\",\"owner@shop.example\",\"bob@example.com\",\"9ZY87654XW3210987\",\"\",\"Debit\"
\"01/13/2026\",\"08:00:00\",\"PST\",\"Bank\",\"General Withdrawal\",\"Completed\",\"USD\",\"-500.00\",\"0.00\",\"-500.00\",\"owner@shop.example\",\"\",\"5QQ00000000000000\",\"\",\"Debit\"
";

const EU: &str = "Datum;Uhrzeit;Name;Typ;Status;W\u{e4}hrung;Brutto;Transaktionscode
";

#[test]
fn a_us_paypal_statement_is_read_by_its_headers() {
    let lines = parse_paypal_csv(US.as_bytes(), None).unwrap().lines;
    assert_eq!(lines.len(), 3);
    let ada = &lines[0];
    assert_eq!(ada.line_no, 2);
    assert_eq!(ada.booked_on.to_string(), "2026-01-07");
    assert_eq!(
        (ada.amount.minor(), ada.amount.currency().code()),
        (-1250, "USD")
    );
    assert_eq!(ada.counterparty, "ada@example.com");
    assert_eq!(ada.payout_reference.as_deref(), Some("PO-000001"));
    assert_eq!(ada.provider_reference, "1AB23456CD7890123");
    assert_eq!(ada.kind, LineKind::Payment);
    assert_eq!(lines[1].amount.minor(), -101_250);
    assert_eq!(
        lines[2].booked_on.to_string(),
        "2026-01-13",
        "13 cannot be a month"
    );
}

#[test]
fn a_european_layout_with_decimal_comma_and_day_first() {
    let text = "Date;Time;Name;Type;Status;Currency;Gross;To Email Address;Transaction ID;Balance Impact\n\
                05.02.2026;09:00;Zoë;Zahlung;Completed;EUR;1.234,56;zoe@example.com;7TT;Debit\n\
                06.02.2026;09:00;Zoë;Payment Reversal;Completed;EUR;12,50;zoe@example.com;8TT;Credit\n";
    let lines = parse_paypal_csv(text.as_bytes(), None).unwrap().lines;
    assert_eq!(lines[0].booked_on.to_string(), "2026-02-05");
    assert_eq!(
        lines[0].amount.minor(),
        -123_456,
        "Debit makes it money out"
    );
    assert_eq!(lines[0].kind, LineKind::Payment);
    assert_eq!(
        (lines[1].amount.minor(), lines[1].kind),
        (1250, LineKind::Return)
    );
    let iso = "Date,Currency,Gross,Transaction ID\n2026-03-04,JPY,-1500,J1\n";
    let lines = parse_paypal_csv(iso.as_bytes(), None).unwrap().lines;
    assert_eq!(
        (lines[0].booked_on.to_string(), lines[0].amount.minor()),
        ("2026-03-04".into(), -1500)
    );
}

#[tokio::test]
async fn bad_files_say_what_is_wrong_and_change_nothing() {
    let b = book().await;
    let l = &b.ledger;
    let events = count(l, "audit_events").await;
    let truncated = &US[..US.len() - 60];
    let mut duplicate = US.to_owned();
    duplicate.push_str(US.lines().nth(1).unwrap());
    duplicate.push('\n');
    let mut latin1 = b"Date,Currency,Gross,Transaction ID\n01/02/2026,EUR,-5,X\xe9\n".to_vec();
    latin1.extend_from_slice(b"");
    let junk: Vec<u8> = (0..50 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty"),
        (
            "headers only",
            b"Date,Currency,Gross,Transaction ID\n".to_vec(),
            "no transactions",
        ),
        (
            "wrong format",
            b"name,amount\nada,5\n".to_vec(),
            "not a PayPal activity CSV",
        ),
        (
            "german headers and nothing else",
            EU.as_bytes().to_vec(),
            "The file has headers but no transactions.",
        ),
        ("truncated", truncated.as_bytes().to_vec(), "Line 4 has"),
        (
            "duplicate",
            duplicate.into_bytes(),
            "repeats transaction 1AB23456CD7890123 of line 2",
        ),
        ("latin-1", latin1, "not UTF-8"),
        ("junk", junk, "not UTF-8"),
        (
            "bad amount",
            b"Date,Currency,Gross,Transaction ID\n01/02/2026,EUR,abc,X\n".to_vec(),
            "line 2: \"abc\" is not an amount",
        ),
        (
            "bad date",
            b"Date,Currency,Gross,Transaction ID\n31/31/2026,EUR,-5,X\n".to_vec(),
            "is not a date",
        ),
        (
            "bad currency",
            b"Date,Currency,Gross,Transaction ID\n01/02/2026,EUX,-5,X\n".to_vec(),
            "not an ISO 4217",
        ),
    ];
    for (name, bytes, expected) in cases {
        let err = l
            .import_statement(&me(), "statement.csv", &bytes, &StatementFormat::PaypalCsv)
            .await
            .expect_err(name);
        assert_eq!(err.kind(), "validation", "{name}");
        assert!(err.to_string().contains(expected), "{name}: {err}");
    }
    assert_eq!(count(l, "statement_imports").await, 0);
    assert_eq!(count(l, "audit_events").await, events);
}

/// ada: PO-000001 12.50 USD to ada@example.com; bob: PO-000002 1,012.50 USD to bob@example.com;
/// both On Process.
async fn two_payouts(l: &Ledger) {
    for (name, amount) in [("ada", "12.50"), ("bob", "1012.50")] {
        let c = customer(l, name).await;
        l.add_payment_account(&me(), c.id, &paypal(&format!("{name}@example.com")))
            .await
            .unwrap();
        let p = pay(l, approved(l, c.id, amount, "USD").await.id).await;
        l.change_payout_status(&me(), p.id, &to(PayoutStatus::OnProcess))
            .await
            .unwrap();
    }
}

fn to(status: PayoutStatus) -> StatusChange {
    StatusChange {
        status,
        failure_reason: (status == PayoutStatus::Failed)
            .then_some(ledger::FailureReason::ReturnedByBank),
        external_reference: String::new(),
        note: "sent".into(),
        payment: Default::default(),
    }
}

/// Imports the US statement (lines for PO-000001 by number, bob by recipient, a withdrawal).
async fn import_us(l: &Ledger) -> ledger::statements::ImportOutcome {
    l.import_statement(
        &import_origin(),
        "paypal.csv",
        US.as_bytes(),
        &StatementFormat::PaypalCsv,
    )
    .await
    .unwrap()
}

fn import_origin() -> Origin {
    Origin {
        source: Source::Import,
        ..me()
    }
}

#[tokio::test]
async fn import_matches_by_reference_suggests_by_recipient_and_confirms_in_one_batch() {
    let b = book().await;
    let l = &b.ledger;
    two_payouts(l).await;
    let outcome = import_us(l).await;
    assert_eq!((outcome.lines, outcome.new_lines), (3, 3));
    let import = outcome.import_id.unwrap();

    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();
    let states: Vec<_> = review.lines.iter().map(|l| l.state).collect();
    assert_eq!(
        states,
        [
            MatchState::Matched,
            MatchState::Suggested,
            MatchState::Unmatched
        ]
    );
    assert_eq!(review.lines[0].candidates[0].number, "PO-000001");
    assert!(review.lines[0].evidence.contains("PO-000001"));
    assert_eq!(review.lines[1].candidates[0].number, "PO-000002");
    assert!(review.lines[1].evidence.contains("recipient"));
    assert!(l.payouts_without_line(import).await.unwrap().is_empty());

    // Importing the same file again changes nothing and says so.
    let events = count(l, "audit_events").await;
    let again = import_us(l).await;
    assert_eq!((again.import_id, again.new_lines), (None, 0));
    assert!(
        again.message.contains("imported before"),
        "{}",
        again.message
    );
    // The same lines in another file (a longer period): only the new ones are stored.
    let longer = format!("{US}\"01/20/2026\",\"1\",\"PST\",\"Cy\",\"Mass Pay Payment\",\"Completed\",\"USD\",\"-3.00\",\"0\",\"-3.00\",\"o@shop.example\",\"cy@example.com\",\"NEW1\",\"\",\"Debit\"\n");
    let more = l
        .import_statement(
            &import_origin(),
            "longer.csv",
            longer.as_bytes(),
            &StatementFormat::PaypalCsv,
        )
        .await
        .unwrap();
    assert_eq!((more.lines, more.new_lines), (4, 1));
    assert_eq!(count(l, "audit_events").await, events + 1);

    let confirm = [
        Confirmation {
            line_id: review.lines[0].id,
            payout_id: PayoutId(1),
        },
        Confirmation {
            line_id: review.lines[1].id,
            payout_id: PayoutId(2),
        },
    ];
    let done = l
        .confirm_statement_lines(&import_origin(), import, &confirm)
        .await
        .unwrap();
    assert_eq!(done.confirmed, ["PO-000001", "PO-000002"]);
    let ada = l.payout(PayoutId(1)).await.unwrap();
    assert_eq!(
        (ada.status, ada.external_reference.as_deref()),
        (PayoutStatus::Success, Some("1AB23456CD7890123"))
    );
    // The reference a confirm writes is searchable at once.
    let by_reference = ledger::payouts::PayoutQuery {
        search: "1AB23456CD7890123".into(),
        ..ledger::payouts::PayoutQuery::page(1, 10)
    };
    let listed = l.list_payouts(&by_reference).await.unwrap().page.items;
    assert_eq!(
        listed.iter().map(|p| p.id).collect::<Vec<_>>(),
        [PayoutId(1)]
    );
    let last = &l.payout_history(PayoutId(1)).await.unwrap()[0];
    assert_eq!(
        (last.source.as_str(), last.action.as_str()),
        ("import", "status")
    );

    let again = l
        .confirm_statement_lines(&import_origin(), import, &confirm)
        .await
        .unwrap();
    assert!(again.confirmed.is_empty());
    assert_eq!(again.skipped[0].refusal, Refusal::LineConfirmedBefore);
    assert_eq!(
        again.skipped[0].refusal.to_string(),
        "That statement line was confirmed before."
    );
    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(review.lines[0].state, MatchState::Confirmed);
}

#[tokio::test]
async fn never_on_amount_alone_ambiguity_is_a_suggestion_and_returns_fail_a_payout() {
    let b = book().await;
    let l = &b.ledger;
    two_payouts(l).await;
    // A second payout to ada of the same amount: a line without reference is ambiguous.
    let c = customer(l, "ada2").await;
    l.add_payment_account(&me(), c.id, &paypal("ada@example.com"))
        .await
        .unwrap();
    let p3 = pay(l, approved(l, c.id, "12.50", "USD").await.id).await;
    // The reversal, as PayPal writes it: from PayPal, to the owner's own address, tied to the
    // payment it reverses by its reference transaction id.
    let text = "Date,Currency,Gross,From Email Address,To Email Address,Transaction ID,Reference Txn ID,Type\n\
                01/08/2026,USD,-12.50,owner@shop.example,ada@example.com,T1,,Payment\n\
                01/08/2026,USD,-12.50,owner@shop.example,stranger@example.com,T2,,Payment\n\
                01/09/2026,USD,12.50,,owner@shop.example,T3,T1,Payment Reversal\n";
    // Every date reads both ways: the owner is asked, and says the file is a US one.
    let asked = l
        .import_statement(
            &import_origin(),
            "s.csv",
            text.as_bytes(),
            &StatementFormat::PaypalCsv,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (asked.kind(), asked.field(), asked.code()),
        ("validation", Some("date_order"), Some("ambiguous_dates"))
    );
    assert!(
        asked
            .to_string()
            .contains("01/08/2026 is 1 August 2026 (day first, as in the UK) or 8 January 2026"),
        "{asked}"
    );
    let import = l
        .import_statement_dated(
            &import_origin(),
            "s.csv",
            text.as_bytes(),
            &StatementFormat::PaypalCsv,
            Some(DateOrder::MonthFirst),
        )
        .await
        .unwrap()
        .import_id
        .unwrap();
    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(review.lines[0].state, MatchState::Suggested);
    assert_eq!(
        review.lines[0].candidates.len(),
        2,
        "{:?}",
        review.lines[0].evidence
    );
    assert_eq!(
        review.lines[1].state,
        MatchState::Unmatched,
        "same amount, other recipient"
    );
    // bob's On Process payout has no line in this statement.
    assert_eq!(
        l.payouts_without_line(import).await.unwrap()[0].number,
        "PO-000002"
    );

    l.confirm_statement_lines(
        &import_origin(),
        import,
        &[Confirmation {
            line_id: review.lines[0].id,
            payout_id: p3.id,
        }],
    )
    .await
    .unwrap();
    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();
    // The reversal now points at the Success payout it returns.
    assert_eq!(review.lines[2].kind, LineKind::Return);
    assert_eq!(review.lines[2].candidates[0].id, p3.id);
    l.confirm_statement_lines(
        &import_origin(),
        import,
        &[Confirmation {
            line_id: review.lines[2].id,
            payout_id: p3.id,
        }],
    )
    .await
    .unwrap();
    let failed = l.payout(p3.id).await.unwrap();
    assert_eq!(failed.status, PayoutStatus::Failed);
    assert!(l.payout_history(p3.id).await.unwrap()[0]
        .note
        .contains("Returned"));
}

/// A camt.053 with a single payment (EndToEndId PO-000001), a batch of two, and a return.
const CAMT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-01-10T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S1</Id>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-01-07</Dt></BookgDt>
        <AcctSvcrRef>BANK-0001</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>PO-000001</EndToEndId></Refs>
          <RltdPties><Cdtr><Nm>Ada Lovelace</Nm></Cdtr></RltdPties>
          <RmtInf><Ustrd>Cashback PO-000001</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <BookgDt><DtTm>2026-01-08T10:00:00</DtTm></BookgDt>
        <AcctSvcrRef>BANK-0002</AcctSvcrRef>
        <NtryDtls>
          <TxDtls><Refs><EndToEndId>PO-000002</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Cdtr><Nm>Bob &amp; Co</Nm></Cdtr></RltdPties></TxDtls>
          <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">20.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Cdtr><Nm>Cy</Nm></Cdtr></RltdPties></TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <BookgDt><Dt>2026-01-09</Dt></BookgDt>
        <AcctSvcrRef>BANK-0003</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>PO-000001</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>Ada Lovelace</Nm></Dbtr></RltdPties>
          <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>"#;

#[test]
fn a_camt053_statement_gives_one_line_per_transaction() {
    let lines = ledger::statements::parse_camt053(CAMT.as_bytes())
        .unwrap()
        .lines;
    let summary: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.booked_on.to_string(),
                l.amount.minor(),
                l.counterparty.as_str(),
                l.payout_reference.as_deref(),
                l.provider_reference.as_str(),
                l.kind,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "2026-01-07".into(),
                -1250,
                "Ada Lovelace",
                Some("PO-000001"),
                "BANK-0001",
                LineKind::Payment
            ),
            (
                "2026-01-08".into(),
                -1000,
                "Bob & Co",
                Some("PO-000002"),
                "BANK-0002",
                LineKind::Payment
            ),
            (
                "2026-01-08".into(),
                -2000,
                "Cy",
                None,
                "BANK-0002",
                LineKind::Payment
            ),
            (
                "2026-01-09".into(),
                1250,
                "Ada Lovelace",
                Some("PO-000001"),
                "BANK-0003",
                LineKind::Return
            ),
        ]
    );
    assert_ne!(
        lines[1].fingerprint, lines[2].fingerprint,
        "a batch's transactions are told apart"
    );
}

#[tokio::test]
async fn bad_camt_files_are_refused_and_a_camt_import_confirms_a_bank_payout() {
    let b = book().await;
    let l = &b.ledger;
    let mut duplicate = CAMT.to_owned();
    let first_entry = &CAMT[CAMT.find("<Ntry>").unwrap()..CAMT.find("</Ntry>").unwrap() + 7];
    duplicate = duplicate.replacen("</Stmt>", &format!("{first_entry}</Stmt>"), 1);
    for (name, bytes, expected) in [
        (
            "other xml",
            "<Document><Other/></Document>".to_owned(),
            "not a CAMT.053",
        ),
        (
            "truncated in a tag",
            CAMT[..CAMT.len() / 2].to_owned(),
            "cut short",
        ),
        (
            "truncated between tags",
            CAMT[..CAMT.rfind("<Ntry>").unwrap()].to_owned(),
            "cut short",
        ),
        (
            "broken",
            CAMT.replace("</Amt><CdtDbtInd>DBIT", "</Amtx><CdtDbtInd>DBIT"),
            "damaged",
        ),
        (
            "no entry with a sign",
            CAMT.replace("<CdtDbtInd>CRDT</CdtDbtInd>", "")
                .replace("<CdtDbtInd>DBIT</CdtDbtInd>", ""),
            "line 1: it has no CdtDbtInd",
        ),
        ("duplicate", duplicate, "repeats the transaction"),
        ("csv", US.to_owned(), "not a CAMT.053"),
    ] {
        let err = l
            .import_statement(
                &import_origin(),
                "camt.xml",
                bytes.as_bytes(),
                &StatementFormat::Camt053,
            )
            .await
            .expect_err(name);
        assert!(err.to_string().contains(expected), "{name}: {err}");
    }
    assert_eq!(count(l, "statement_imports").await, 0);

    let c = customer(l, "ada").await;
    l.add_payment_account(
        &me(),
        c.id,
        &iban_account("Ada Lovelace", "DE89 3704 0044 0532 0130 00"),
    )
    .await
    .unwrap();
    let p = pay(l, approved(l, c.id, "12.50", "EUR").await.id).await;
    l.change_payout_status(&me(), p.id, &to(PayoutStatus::OnProcess))
        .await
        .unwrap();
    let import = l
        .import_statement(
            &import_origin(),
            "camt.xml",
            CAMT.as_bytes(),
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
    assert_eq!(review.lines[0].state, MatchState::Matched);
    l.confirm_statement_lines(
        &import_origin(),
        import,
        &[Confirmation {
            line_id: review.lines[0].id,
            payout_id: p.id,
        }],
    )
    .await
    .unwrap();
    let paid = l.payout(p.id).await.unwrap();
    assert_eq!(
        (paid.status, paid.external_reference.as_deref()),
        (PayoutStatus::Success, Some("BANK-0001"))
    );
    // The return of the same payout now matches it by its reference.
    let review = l
        .statement_review(import, &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(
        (review.lines[3].state, review.lines[3].kind),
        (MatchState::Matched, LineKind::Return)
    );
}

#[tokio::test]
async fn the_review_counts_every_state_pages_and_filters_and_confirms_all_matches() {
    let b = book().await;
    let l = &b.ledger;
    two_payouts(l).await;
    let import = import_us(l).await.import_id.unwrap();
    let page = |state, page, page_size| ReviewQuery {
        state,
        page,
        page_size,
    };
    let first = l.statement_review(import, &page(None, 1, 2)).await.unwrap();
    assert_eq!(
        (
            first.counts.matched,
            first.counts.suggested,
            first.counts.unmatched
        ),
        (1, 1, 1)
    );
    assert_eq!((first.total, first.lines.len()), (3, 2));
    let second = l.statement_review(import, &page(None, 2, 2)).await.unwrap();
    assert_eq!(second.lines.len(), 1);
    assert_eq!(second.lines[0].line_no, 4);
    let suggested = l
        .statement_review(import, &page(Some(MatchState::Suggested), 1, 50))
        .await
        .unwrap();
    assert_eq!(suggested.total, 1);
    assert_eq!(suggested.lines[0].candidates[0].number, "PO-000002");

    let done = l
        .confirm_matched_lines(&import_origin(), import, &|_| true)
        .await
        .unwrap();
    assert_eq!(done.confirmed, ["PO-000001"], "only the exact match");
    let after = l
        .statement_review(import, &ReviewQuery::default())
        .await
        .unwrap();
    assert_eq!((after.counts.confirmed, after.counts.matched), (1, 0));
    let err = l
        .confirm_matched_lines(&import_origin(), import, &|_| true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "validation");
}

#[tokio::test]
async fn confirming_every_match_reports_progress_and_a_cancel_changes_nothing() {
    let b = book().await;
    let l = &b.ledger;
    two_payouts(l).await;
    // 1,500 more On Process payouts like ada's, straight into the book.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", l.path().display()))
        .await
        .unwrap();
    for sql in [
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
         INSERT INTO incentive_requests (uuid, customer_id, amount_minor, currency, status, decided_at, created_at, updated_at)
         SELECT randomblob(16), customer_id, amount_minor, currency, 'approved', created_at, created_at, created_at
           FROM incentive_requests, n WHERE id = 1",
        "INSERT INTO payouts (uuid, request_id, customer_id, amount_minor, currency, method, account_id,
                              account_snapshot, status, description, created_at, updated_at)
         SELECT randomblob(16), r.id, r.customer_id, r.amount_minor, r.currency, p.method, p.account_id,
                p.account_snapshot, p.status, p.description, p.created_at, p.updated_at
           FROM incentive_requests r, payouts p WHERE p.id = 1 AND r.id > 2",
    ] {
        sqlx::query(sql).execute(&raw).await.unwrap();
    }
    raw.close().await;
    let mut csv = String::from("Date,Currency,Gross,Transaction ID,Custom Number\n");
    for id in 3..=1502 {
        csv.push_str(&format!("01/08/2026,USD,-12.50,T{id},PO-{id:06}\n"));
    }
    let import = l
        .import_statement_dated(
            &import_origin(),
            "big.csv",
            csv.as_bytes(),
            &StatementFormat::PaypalCsv,
            Some(DateOrder::MonthFirst),
        )
        .await
        .unwrap()
        .import_id
        .unwrap();
    let events = count(l, "audit_events").await;
    let heard = std::sync::Mutex::new(Vec::new());
    let err = l
        .confirm_matched_lines(&import_origin(), import, &|n| {
            heard.lock().unwrap().push(n);
            false
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert_eq!(*heard.lock().unwrap(), [1_000]);
    assert_eq!(count(l, "audit_events").await, events, "nothing recorded");
    assert_eq!(
        l.payout(PayoutId(3)).await.unwrap().status,
        PayoutStatus::OnProcess
    );

    let done = l
        .confirm_matched_lines(&import_origin(), import, &|_| true)
        .await
        .unwrap();
    assert_eq!(done.confirmed.len(), 1_500);
    assert_eq!(
        l.payout(PayoutId(1502)).await.unwrap().status,
        PayoutStatus::Success
    );
}

/// The review's "On Process payouts with no line" lists only what the statement could carry:
/// its channel and its period.
#[tokio::test]
async fn payouts_without_a_line_are_of_the_statements_channel_and_period() {
    let b = book().await;
    let l = &b.ledger;
    two_payouts(l).await;
    // A bank payout, and a PayPal payout sent two months before the statement.
    let sent = |who: &'static str, account: ledger::accounts::AccountInput, when: Origin| async move {
        let c = customer(l, who).await;
        l.add_payment_account(&me(), c.id, &account).await.unwrap();
        let r = approved(l, c.id, "5.00", "USD").await;
        let p = l
            .create_payout(&when, &ledger::payouts::NewPayout::for_request(r.id))
            .await
            .unwrap();
        l.change_payout_status(&when, p.id, &to(PayoutStatus::OnProcess))
            .await
            .unwrap();
        p.number
    };
    let bank = sent(
        "cy",
        iban_account("Cy Bank", "DE89370400440532013000"),
        me(),
    )
    .await;
    let old = sent(
        "dee",
        paypal("dee@example.com"),
        Origin::manual("Test Owner", at(-60 * 24 * 60)),
    )
    .await;
    let import = import_us(l).await.import_id.unwrap();
    let payouts = l.payouts_without_line(import).await.unwrap();
    let listed: Vec<_> = payouts.iter().map(|p| p.number.as_str()).collect();
    assert!(
        !listed.contains(&bank.as_str()),
        "a bank payout is not on PayPal: {listed:?}"
    );
    assert!(
        !listed.contains(&old.as_str()),
        "sent long before the period: {listed:?}"
    );
}
