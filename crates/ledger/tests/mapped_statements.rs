//! Bank CSV statements read through a saved column mapping: Latin-1, preambles, `;`, decimal
//! comma, day-first dates, debit/credit or signed amounts, files with and without transaction
//! ids, bad files, and the mapping and own-account settings with their audit events.

mod common;

use common::*;
use ledger::payouts::{PayoutStatus, StatusChange};
use ledger::settings::OwnerAccount;
use ledger::statements::{
    parse_mapped_csv, preview_csv, AmountColumns, Confirmation, CsvMapping, LineKind, MatchState,
    ReviewQuery, StatementFormat, TextEncoding,
};
use ledger::{Origin, Source};

/// A German savings bank's export: two lines of account details, then `;`-separated columns,
/// Latin-1 text, DD.MM.YYYY dates, decimal comma, money out and in in separate columns.
fn sparkasse_bytes() -> Vec<u8> {
    let text = "Konto;DE89370400440532013000\n\
                Zeitraum;01.11.2026 - 30.11.2026\n\
                Buchungstag;Empfänger;Verwendungszweck;Soll;Haben\n\
                03.11.2026;Jürgen Groß;Cashback PO-000001;12,50;\n\
                04.11.2026;Jürgen Groß;Rückläufer PO-000001;;12,50\n\
                05.11.2026;Stadtwerke;Abschlag November;1.234,56;\n\
                06.11.2026;Kunde;Einzahlung;;99,00\n";
    // Latin-1: every character here is below U+0100.
    text.chars().map(|c| c as u32 as u8).collect()
}

fn sparkasse() -> CsvMapping {
    CsvMapping {
        source: "Sparkasse giro".into(),
        delimiter: ';',
        encoding: TextEncoding::Latin1,
        skip_lines: 2,
        date_column: "Buchungstag".into(),
        date_format: "DD.MM.YYYY".into(),
        decimal_comma: true,
        amount: AmountColumns::DebitCredit {
            debit: "Soll".into(),
            credit: "Haben".into(),
        },
        currency_column: String::new(),
        currency: "EUR".into(),
        id_column: String::new(),
        counterparty_column: "Empfänger".into(),
        reference_column: "Verwendungszweck".into(),
        status_column: String::new(),
    }
}

fn us_bank() -> CsvMapping {
    CsvMapping {
        source: "First Bank".into(),
        delimiter: ',',
        encoding: TextEncoding::Utf8,
        skip_lines: 0,
        date_column: "Posted Date".into(),
        date_format: "MM/DD/YYYY".into(),
        decimal_comma: false,
        amount: AmountColumns::Signed {
            column: "Amount".into(),
        },
        currency_column: "Currency".into(),
        currency: String::new(),
        id_column: "Transaction ID".into(),
        counterparty_column: "Payee".into(),
        reference_column: "Memo".into(),
        status_column: String::new(),
    }
}

const US_FILE: &str = "Posted Date,Payee,Memo,Amount,Currency,Transaction ID\n\
                       11/03/2026,Ada Example,\"Cashback, PO-2\",\"-1,012.50\",USD,T-1\n\
                       11/04/2026 09:30,Coffee,,(3.00),USD,T-2\n";

/// A French bank's signed column writes the minus as U+2212 and groups with a narrow no-break
/// space; a US file's "1,23" is not 123.00.
#[test]
fn every_minus_and_only_real_grouping() {
    let mapping = CsvMapping {
        delimiter: ';',
        date_format: "DD/MM/YYYY".into(),
        decimal_comma: true,
        amount: AmountColumns::Signed {
            column: "Montant".into(),
        },
        date_column: "Date".into(),
        currency_column: String::new(),
        currency: "EUR".into(),
        id_column: String::new(),
        counterparty_column: "Bénéficiaire".into(),
        reference_column: "Libellé".into(),
        ..us_bank()
    };
    let file = "Date;Bénéficiaire;Libellé;Montant\n\
                03/11/2026;Renée Dubois;Cashback PO-000001;\u{2212}12,50\n\
                04/11/2026;EDF;Prélèvement;\u{2212}1\u{202f}234,56\n\
                05/11/2026;Client;Virement reçu;99,00\n";
    let lines = parse_mapped_csv(file.as_bytes(), &mapping).unwrap().lines;
    let read: Vec<_> = lines.iter().map(|l| (l.amount.minor(), l.kind)).collect();
    assert_eq!(
        read,
        [
            (-1250, LineKind::Payment),
            (-123_456, LineKind::Payment),
            (9900, LineKind::Other)
        ]
    );
    let misgrouped = "Posted Date,Payee,Memo,Amount,Currency,Transaction ID\n\
                      11/03/2026,Ada Example,PO-2,\"-1,23\",USD,T-1\n";
    let err = parse_mapped_csv(misgrouped.as_bytes(), &us_bank()).unwrap_err();
    assert!(
        err.to_string()
            .contains("line 2: \"-1,23\" is not an amount"),
        "{err}"
    );
}

#[test]
fn a_latin1_bank_file_with_a_preamble_and_debit_credit_columns() {
    let lines = parse_mapped_csv(&sparkasse_bytes(), &sparkasse())
        .unwrap()
        .lines;
    assert_eq!(lines.len(), 4);
    let paid = &lines[0];
    assert_eq!(paid.line_no, 4, "numbered as the file's lines");
    assert_eq!(paid.booked_on.to_string(), "2026-11-03");
    assert_eq!(
        (paid.amount.minor(), paid.amount.currency().code()),
        (-1250, "EUR")
    );
    assert_eq!(paid.counterparty, "Jürgen Groß", "Latin-1 decoded");
    assert_eq!(paid.payout_reference.as_deref(), Some("PO-000001"));
    assert_eq!(paid.kind, LineKind::Payment);
    assert_eq!(
        (lines[1].amount.minor(), lines[1].kind),
        (1250, LineKind::Return),
        "money in naming a payout is a return"
    );
    assert_eq!(lines[2].amount.minor(), -123_456, "1.234,56 out");
    assert_eq!(
        (lines[3].amount.minor(), lines[3].kind),
        (9900, LineKind::Other),
        "money in that names no payout is not a return"
    );
    let fingerprints: std::collections::HashSet<_> =
        lines.iter().map(|l| l.fingerprint.clone()).collect();
    assert_eq!(fingerprints.len(), 4);
}

#[test]
fn a_signed_amount_file_with_ids_and_a_currency_column() {
    let lines = parse_mapped_csv(US_FILE.as_bytes(), &us_bank())
        .unwrap()
        .lines;
    assert_eq!(lines[0].amount.minor(), -101_250);
    assert_eq!(lines[0].payout_reference.as_deref(), Some("PO-000002"));
    assert_eq!(lines[0].provider_reference, "T-1");
    assert_eq!(lines[0].fingerprint, "csv:first bank:T-1");
    assert_eq!(
        lines[1].booked_on.to_string(),
        "2026-11-04",
        "time after the date"
    );
    assert_eq!(lines[1].amount.minor(), -300);
}

#[test]
fn equal_lines_without_ids_are_two_lines_and_keep_their_fingerprints() {
    let mut mapping = us_bank();
    mapping.id_column.clear();
    let text = "Posted Date,Payee,Memo,Amount,Currency,Transaction ID\n\
                11/03/2026,Ada,PO-1,-5.00,USD,\n\
                11/03/2026,Ada,PO-1,-5.00,USD,\n";
    let once = parse_mapped_csv(text.as_bytes(), &mapping).unwrap().lines;
    assert_ne!(once[0].fingerprint, once[1].fingerprint);
    let again = parse_mapped_csv(text.as_bytes(), &mapping).unwrap().lines;
    assert_eq!(
        once.iter().map(|l| &l.fingerprint).collect::<Vec<_>>(),
        again.iter().map(|l| &l.fingerprint).collect::<Vec<_>>()
    );
}

#[test]
fn the_preview_shows_the_header_after_the_preamble() {
    let preview = preview_csv(&sparkasse_bytes(), ';', TextEncoding::Latin1, 2).unwrap();
    assert_eq!(
        preview.headers,
        [
            "Buchungstag",
            "Empfänger",
            "Verwendungszweck",
            "Soll",
            "Haben"
        ]
    );
    assert_eq!(preview.rows.len(), 4);
    assert_eq!(preview.rows[0][1], "Jürgen Groß");
    let wrong = preview_csv(&sparkasse_bytes(), ';', TextEncoding::Latin1, 0).unwrap();
    assert_eq!(wrong.headers, ["Konto", "DE89370400440532013000"]);
}

#[tokio::test]
async fn bad_bank_files_say_what_is_wrong_and_change_nothing() {
    let b = book().await;
    let l = &b.ledger;
    let events = count(l, "audit_events").await;
    let utf8 = sparkasse();
    let utf8 = CsvMapping {
        encoding: TextEncoding::Utf8,
        ..utf8
    };
    let truncated = "Posted Date,Payee,Memo,Amount,Currency,Transaction ID\n\
                     11/03/2026,Ada,PO-1,-5.00,USD,T-1\n11/04/2026,Ada";
    let cases: Vec<(&str, Vec<u8>, CsvMapping, &str)> = vec![
        (
            "latin-1 read as utf-8",
            sparkasse_bytes(),
            utf8,
            "choose that encoding",
        ),
        ("empty", Vec::new(), us_bank(), "empty"),
        (
            "junk",
            (0..50u64 << 20).map(|i| (i * 7919 % 251) as u8).collect(),
            CsvMapping {
                encoding: TextEncoding::Latin1,
                ..us_bank()
            },
            "no column \"Posted Date\"",
        ),
        (
            "wrong file",
            b"Date;Value\n01.01.2026;5\n".to_vec(),
            us_bank(),
            "no column \"Posted Date\"",
        ),
        (
            "truncated",
            truncated.as_bytes().to_vec(),
            us_bank(),
            "Line 3 has 2 cells",
        ),
        (
            "duplicate id",
            format!("{US_FILE}11/05/2026,Ada,,-1.00,USD,T-1\n").into_bytes(),
            us_bank(),
            "repeats transaction T-1 of line 2",
        ),
        (
            "both debit and credit",
            "Buchungstag;Empfänger;Verwendungszweck;Soll;Haben\n03.11.2026;A;B;1,00;2,00\n"
                .chars()
                .map(|c| c as u32 as u8)
                .collect(),
            CsvMapping {
                skip_lines: 0,
                ..sparkasse()
            },
            "both a debit and a credit",
        ),
        (
            "no amount",
            b"Posted Date,Payee,Memo,Amount,Currency,Transaction ID\n11/03/2026,A,,,USD,T\n"
                .to_vec(),
            us_bank(),
            "line 2: it has no amount",
        ),
        (
            "every line bad",
            US_FILE
                .replace(",USD,T-1", ",EUX,T-1")
                .replace(",USD,T-2", ",EUX,T-2")
                .into_bytes(),
            us_bank(),
            "No line of the file could be read (line 2: \"EUX\" is not an ISO 4217 currency",
        ),
    ];
    for (name, bytes, mapping, expected) in cases {
        let err = l
            .import_statement(
                &me(),
                "bank.csv",
                &bytes,
                &StatementFormat::GenericCsv(Box::new(mapping)),
            )
            .await
            .expect_err(name);
        assert_eq!(err.kind(), "validation", "{name}");
        assert!(err.to_string().contains(expected), "{name}: {err}");
    }
    assert_eq!(count(l, "statement_imports").await, 0);
    assert_eq!(count(l, "audit_events").await, events);
}

#[tokio::test]
async fn a_bank_statement_matches_by_the_payout_id_in_the_reference_and_confirms() {
    let b = book().await;
    let l = &b.ledger;
    let c = customer(l, "juergen").await;
    l.add_payment_account(
        &me(),
        c.id,
        &iban_account("Jürgen Groß", "DE89370400440532013000"),
    )
    .await
    .unwrap();
    let p = pay(l, approved(l, c.id, "12.50", "EUR").await.id).await;
    l.change_payout_status(
        &me(),
        p.id,
        &StatusChange {
            status: PayoutStatus::OnProcess,
            failure_reason: None,
            external_reference: String::new(),
            note: "sent".into(),
            payment: Default::default(),
        },
    )
    .await
    .unwrap();
    let origin = Origin {
        source: Source::Import,
        ..me()
    };
    let format = StatementFormat::GenericCsv(Box::new(sparkasse()));
    let outcome = l
        .import_statement(&origin, "umsaetze.csv", &sparkasse_bytes(), &format)
        .await
        .unwrap();
    assert_eq!(outcome.new_lines, 4);
    let review = l
        .statement_review(outcome.import_id.unwrap(), &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(review.lines[0].state, MatchState::Matched);
    assert_eq!(review.lines[0].candidates[0].id, p.id);
    let again = l
        .import_statement(&origin, "umsaetze.csv", &sparkasse_bytes(), &format)
        .await
        .unwrap();
    assert_eq!((again.import_id, again.new_lines), (None, 0));
    let done = l
        .confirm_statement_lines(
            &origin,
            review.import_id.unwrap(),
            &[Confirmation {
                line_id: review.lines[0].id,
                payout_id: p.id,
            }],
        )
        .await
        .unwrap();
    assert_eq!(done.confirmed, ["PO-000001"]);
    let paid = l.payout(p.id).await.unwrap();
    assert_eq!(paid.status, PayoutStatus::Success);
    assert_eq!(
        paid.external_reference.as_deref(),
        Some("Cashback PO-000001")
    );
}

#[tokio::test]
async fn mappings_and_the_own_account_are_checked_saved_and_audited() {
    let b = book().await;
    let l = &b.ledger;
    let events = count(l, "audit_events").await;
    let bad = [
        (
            CsvMapping {
                date_format: "%d.%m.%Y".into(),
                ..sparkasse()
            },
            "date layouts offered",
        ),
        (
            CsvMapping {
                currency: String::new(),
                ..sparkasse()
            },
            "currency",
        ),
        (
            CsvMapping {
                delimiter: 'x',
                ..sparkasse()
            },
            "delimiter",
        ),
        (
            CsvMapping {
                amount: AmountColumns::DebitCredit {
                    debit: "Soll".into(),
                    credit: " ".into(),
                },
                ..sparkasse()
            },
            "both the debit",
        ),
    ];
    for (mapping, expected) in bad {
        let err = l.save_statement_mapping(&me(), mapping).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    assert_eq!(count(l, "audit_events").await, events);

    l.save_statement_mapping(&me(), sparkasse()).await.unwrap();
    l.save_statement_mapping(&me(), us_bank()).await.unwrap();
    let renamed = CsvMapping {
        source: "SPARKASSE GIRO".into(),
        skip_lines: 3,
        ..sparkasse()
    };
    l.save_statement_mapping(&me(), renamed.clone())
        .await
        .unwrap();
    // Saved again unchanged: no event.
    l.save_statement_mapping(&me(), renamed.clone())
        .await
        .unwrap();
    let saved = l.statement_mappings().await.unwrap();
    assert_eq!(saved, [us_bank(), renamed], "one per source, by name");
    assert_eq!(count(l, "audit_events").await, events + 3);

    assert!(l.owner_account().await.unwrap().is_none());
    let err = l
        .set_owner_account(
            &me(),
            OwnerAccount {
                name: "Shop".into(),
                iban: "DE89370400440532013001".into(),
                bic: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "validation");
    let own = l
        .set_owner_account(
            &me(),
            OwnerAccount {
                name: " Corner Shop GmbH ".into(),
                iban: "de89 3704 0044 0532 0130 00".into(),
                bic: "cobadeff".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        own,
        OwnerAccount {
            name: "Corner Shop GmbH".into(),
            iban: "DE89370400440532013000".into(),
            bic: "COBADEFF".into(),
        }
    );
    assert_eq!(l.owner_account().await.unwrap(), Some(own));
    assert_eq!(count(l, "audit_events").await, events + 4);
}

/// A bank's file with one line in another date layout and one with an unknown currency: the
/// good line imports, the others are listed with their reason, in the outcome and the review.
#[tokio::test]
async fn one_bad_line_never_loses_the_file() {
    let b = book().await;
    let l = &b.ledger;
    let file = format!("{US_FILE}2026-11-05,Bob,,-2.00,USD,T-3\n11/06/2026,Cy,,-4.00,EUX,T-4\n");
    let outcome = l
        .import_statement(
            &me(),
            "bank.csv",
            file.as_bytes(),
            &StatementFormat::GenericCsv(Box::new(us_bank())),
        )
        .await
        .unwrap();
    assert_eq!(
        outcome.message,
        "2 lines imported. 2 lines could not be read (see the review)."
    );
    let review = l
        .statement_review(outcome.import_id.unwrap(), &ReviewQuery::all())
        .await
        .unwrap();
    assert_eq!(review.lines.len(), 2);
    let unreadable: Vec<_> = review
        .unreadable
        .iter()
        .map(|u| (u.line_no, u.reason.as_str()))
        .collect();
    assert_eq!(
        unreadable,
        [
            (4, "\"2026-11-05\" is not a date in the layout MM/DD/YYYY"),
            (5, "\"EUX\" is not an ISO 4217 currency"),
        ]
    );
    assert_eq!(review.counts.unreadable, 2);
}

/// A bank writes "R. DUBOIS" for Renée Dubois: nothing suggests her until the owner confirms a
/// line from that name for her payout; then the next line from it is suggested for her, until
/// the name is forgotten. Both are audit events of the customer.
#[tokio::test]
async fn a_name_confirmed_for_a_customer_suggests_her_next_time() {
    let b = book().await;
    let l = &b.ledger;
    let c = customer(l, "renee").await;
    l.add_payment_account(
        &me(),
        c.id,
        &iban_account("Renée Dubois", "DE89370400440532013000"),
    )
    .await
    .unwrap();
    let mut payouts = Vec::new();
    for _ in 0..3 {
        let p = pay(l, approved(l, c.id, "30.00", "EUR").await.id).await;
        payouts.push(p.id);
    }
    let mapping = CsvMapping {
        source: "Crédit Agricole".into(),
        delimiter: ';',
        date_column: "Date".into(),
        date_format: "DD/MM/YYYY".into(),
        decimal_comma: true,
        amount: AmountColumns::Signed {
            column: "Montant".into(),
        },
        currency_column: String::new(),
        currency: "EUR".into(),
        id_column: String::new(),
        counterparty_column: "Libellé".into(),
        reference_column: "Détail".into(),
        ..us_bank()
    };
    let statement = |day: &str| {
        format!("Date;Libellé;Détail;Montant\n{day}/01/2026;R. DUBOIS;VIR SEPA;-30,00\n")
    };
    let review_of = |day: &'static str| {
        let mapping = mapping.clone();
        async move {
            let import = l
                .import_statement(
                    &me(),
                    &format!("releve-{day}.csv"),
                    statement(day).as_bytes(),
                    &StatementFormat::GenericCsv(Box::new(mapping)),
                )
                .await
                .unwrap()
                .import_id
                .unwrap();
            let review = l
                .statement_review(import, &ReviewQuery::all())
                .await
                .unwrap();
            (import, review.lines.into_iter().next().unwrap())
        }
    };
    let (import, line) = review_of("06").await;
    assert_eq!(line.state, MatchState::Unmatched, "{}", line.evidence);
    l.confirm_statement_lines(
        &me(),
        import,
        &[Confirmation {
            line_id: line.id,
            payout_id: payouts[0],
        }],
    )
    .await
    .unwrap();
    let names = l.statement_names(c.id).await.unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name, "R. DUBOIS");
    let history = l.history(Record::Customer(c.id)).await.unwrap();
    assert_eq!(history[0].changes[0].field, "statement_name");

    let (_, line) = review_of("07").await;
    assert_eq!(line.state, MatchState::Suggested, "{}", line.evidence);
    assert_eq!(line.candidates[0].customer_id, c.id);

    l.forget_statement_name(&me(), c.id, &names[0].name_key)
        .await
        .unwrap();
    assert!(l.statement_names(c.id).await.unwrap().is_empty());
    let (_, line) = review_of("08").await;
    assert_eq!(line.state, MatchState::Unmatched, "{}", line.evidence);
}

/// Revolut's account statement (CSV) names each transaction's state: a pending transfer is
/// shown and never confirmed, a reverted or declined one moved no money.
#[test]
fn a_status_column_marks_pending_and_failed_lines() {
    let revolut = CsvMapping {
        source: "Revolut".into(),
        delimiter: ',',
        encoding: TextEncoding::Utf8,
        skip_lines: 0,
        date_column: "Completed Date".into(),
        date_format: "YYYY-MM-DD".into(),
        decimal_comma: false,
        amount: AmountColumns::Signed {
            column: "Amount".into(),
        },
        currency_column: "Currency".into(),
        currency: String::new(),
        id_column: String::new(),
        counterparty_column: "Description".into(),
        reference_column: String::new(),
        status_column: "State".into(),
    };
    let file = "Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State,Balance\n\
                TRANSFER,Current,2026-11-03 10:15:22,2026-11-03 10:15:24,To Ada Example,-12.50,0.00,EUR,COMPLETED,987.50\n\
                TRANSFER,Current,2026-11-04 08:01:10,2026-11-04 08:01:10,To Bob Example,-20.00,0.00,EUR,PENDING,\n\
                TRANSFER,Current,2026-11-04 09:12:00,2026-11-05 09:12:00,To Cy Example,-5.00,0.00,EUR,REVERTED,987.50\n\
                CARD_PAYMENT,Current,2026-11-05 12:00:00,2026-11-05 12:00:00,Coffee Shop,-3.20,0.00,EUR,DECLINED,\n";
    let lines = parse_mapped_csv(file.as_bytes(), &revolut).unwrap().lines;
    let read: Vec<_> = lines.iter().map(|l| (l.pending, l.kind)).collect();
    assert_eq!(
        read,
        [
            (false, LineKind::Payment),
            (true, LineKind::Payment),
            (false, LineKind::Other),
            (false, LineKind::Other)
        ]
    );

    // A Sparkasse CSV-CAMT export says the same in its "Info" column, in German.
    let sparkasse_camt = CsvMapping {
        source: "Sparkasse CSV-CAMT".into(),
        delimiter: ';',
        encoding: TextEncoding::Latin1,
        skip_lines: 0,
        date_column: "Buchungstag".into(),
        date_format: "DD.MM.YY".into(),
        decimal_comma: true,
        amount: AmountColumns::Signed {
            column: "Betrag".into(),
        },
        currency_column: "Waehrung".into(),
        currency: String::new(),
        id_column: String::new(),
        counterparty_column: "Beguenstigter/Zahlungspflichtiger".into(),
        reference_column: "Verwendungszweck".into(),
        status_column: "Info".into(),
    };
    let file = "\"Auftragskonto\";\"Buchungstag\";\"Valutadatum\";\"Buchungstext\";\"Verwendungszweck\";\"Beguenstigter/Zahlungspflichtiger\";\"Kontonummer/IBAN\";\"BIC (SWIFT-Code)\";\"Betrag\";\"Waehrung\";\"Info\"\n\
                \"DE02120300000000202051\";\"03.11.26\";\"03.11.26\";\"GUTSCHR. UEBERWEISUNG\";\"Cashback PO-000001\";\"Ada Example\";\"DE89370400440532013000\";\"COBADEFFXXX\";\"-12,50\";\"EUR\";\"Umsatz gebucht\"\n\
                \"DE02120300000000202051\";\"04.11.26\";\"04.11.26\";\"UEBERWEISUNG\";\"Cashback PO-000002\";\"Bob Example\";\"DE89370400440532013000\";\"COBADEFFXXX\";\"-20,00\";\"EUR\";\"Umsatz vorgemerkt\"\n";
    let lines = parse_mapped_csv(file.as_bytes(), &sparkasse_camt)
        .unwrap()
        .lines;
    let pending: Vec<_> = lines.iter().map(|l| l.pending).collect();
    assert_eq!(pending, [false, true]);
}
