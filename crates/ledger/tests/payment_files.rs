//! SEPA credit transfer (pain.001.001.03) and Wise batch files: which payouts they carry and
//! why others are left out, sums and counts, the SEPA character set, validity against the ISO
//! 20022 schema, and the optional move to On Process.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use ledger::accounts::AccountInput;
use ledger::payment_files::{sepa_text, PaymentFileKind};
use ledger::payouts::PayoutStatus;
use ledger::Refusal;
use proptest::prelude::*;

/// A bank account with an IBAN; German ones with their bank's BIC, others without.
fn iban_of(holder: &str, iban: &str) -> AccountInput {
    let mut account = iban_account(holder, iban);
    if let AccountInput::Bank { country, bic, .. } = &mut account {
        *country = iban[..2].into();
        if country != "DE" {
            bic.clear();
        }
    }
    account
}

fn us_account(holder: &str) -> AccountInput {
    AccountInput::Bank {
        holder_name: holder.into(),
        bank_name: "First Bank".into(),
        account_number: "000123456789".into(),
        iban: String::new(),
        routing_number: "021000021".into(),
        bic: String::new(),
        country: "US".into(),
    }
}

/// Whether xmllint is here to check SEPA files against the official schema. Where it is not
/// (a Windows or macOS machine without libxml2's tools) the check is skipped with a message;
/// CI installs it (`scripts/setup.sh --test`) and must never skip.
fn xmllint_here() -> bool {
    let here = Command::new("xmllint").arg("--version").output().is_ok();
    if !here {
        assert!(
            std::env::var_os("CI").is_none(),
            "xmllint (Debian package libxml2-utils) checks SEPA files: run scripts/setup.sh --test"
        );
        eprintln!(
            "SKIPPED: the SEPA file was not checked against the ISO 20022 schema, because xmllint \
             is not installed (libxml2-utils on Debian/Ubuntu; macOS has it; on Windows, \
             libxml2's tools)"
        );
    }
    here
}

/// Runs xmllint against the official schema; the error text when the file is not valid.
fn schema_errors(xml: &Path) -> Option<String> {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pain.001.001.03.xsd");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(xml)
        .output()
        .expect(
            "xmllint (Debian package libxml2-utils) checks SEPA files: run scripts/setup.sh --test",
        );
    (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The text of every `<tag>` element in `xml`, in order.
fn texts(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .map(|rest| rest.split(&close).next().unwrap().to_owned())
        .collect()
}

fn in_sepa_set(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || " /-?:().,'+".contains(c))
}

#[tokio::test]
async fn a_sepa_file_is_valid_pain_001_with_counts_sums_and_the_sepa_character_set() {
    let b = book().await;
    let l = &b.ledger;
    let out = tempfile::tempdir().unwrap();
    let jurgen = payout_to(
        l,
        "jurgen",
        iban_account("Jürgen Groß & Söhne", "DE89 3704 0044 0532 0130 00"),
        "12.50",
        "EUR",
        "Prämie <Q4> «Treue» 🎉",
    )
    .await;
    let zoe = payout_to(
        l,
        "zoe",
        iban_of("Zoë O'Brien", "FR14 2004 1010 0505 0001 3M02 606"),
        "1000.05",
        "EUR",
        "",
    )
    .await;
    let dollars = payout_to(
        l,
        "dan",
        iban_of("Dan", "GB29 NWBK 6016 1331 9268 19"),
        "5.00",
        "USD",
        "",
    )
    .await;
    let wallet = payout_to(l, "pat", paypal("pat@example.com"), "1.00", "EUR", "").await;
    let no_iban = payout_to(l, "sam", us_account("Sam"), "2.00", "EUR", "").await;
    let ids = [jurgen, zoe, dollars, wallet, no_iban];

    let err = l
        .payment_files(&me(), PaymentFileKind::Sepa, &ids, out.path(), true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("your own bank account"), "{err}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);

    owner_account(l).await;
    let events = count(l, "audit_events").await;
    let files = l
        .payment_files(&me(), PaymentFileKind::Sepa, &ids, out.path(), true)
        .await
        .unwrap();
    assert_eq!(files.payouts, ["PO-000001", "PO-000002"]);
    let skipped: Vec<_> = files
        .skipped
        .iter()
        .map(|s| (s.id, s.refusal.clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            (dollars, Refusal::NotInEuro("USD")),
            (wallet, Refusal::NotABankAccount("PayPal")),
            (no_iban, Refusal::NoIban),
        ]
    );
    assert_eq!(
        files.skipped[0].refusal.to_string(),
        "SEPA transfers are in euros; it is in USD."
    );
    assert_eq!(files.files.len(), 1);
    let path = Path::new(&files.files[0]);
    assert_eq!(
        path.file_name().unwrap(),
        "sepa-credit-transfer-20260105-EUR.xml"
    );
    let checked = xmllint_here();
    if let Some(errors) = checked.then(|| schema_errors(path)).flatten() {
        panic!("not valid pain.001.001.03:\n{errors}");
    }
    let xml = std::fs::read_to_string(path).unwrap();
    assert_eq!(texts(&xml, "NbOfTxs"), ["2", "2"]);
    assert_eq!(texts(&xml, "CtrlSum"), ["1012.55", "1012.55"]);
    assert_eq!(texts(&xml, "EndToEndId"), ["PO-000001", "PO-000002"]);
    assert_eq!(
        texts(&xml, "IBAN"),
        [
            "DE02120300000000202051",
            "DE89370400440532013000",
            "FR1420041010050500013M02606"
        ]
    );
    assert_eq!(
        texts(&xml, "Nm"),
        [
            "Cafe Unal GmbH",
            "Cafe Unal GmbH",
            "Jurgen Gross + Sohne",
            "Zoe O'Brien"
        ]
    );
    let notes = texts(&xml, "Ustrd");
    assert_eq!(notes[1], "Cashback PO-000002");
    assert!(notes[0].starts_with("Pramie Q4 "), "{}", notes[0]);
    for text in texts(&xml, "Nm").iter().chain(&notes) {
        assert!(in_sepa_set(text), "{text:?} is outside the SEPA set");
    }
    assert!(xml
        .contains("<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>"));
    assert!(xml.contains("<CdtrAgt><FinInstnId><BIC>COBADEFF</BIC></FinInstnId></CdtrAgt>"));
    // The export and the two moves to On Process, in one batch.
    assert_eq!(count(l, "audit_events").await, events + 3);
    assert_eq!(
        l.payout(jurgen).await.unwrap().status,
        PayoutStatus::OnProcess
    );
    assert_eq!(
        l.payout(dollars).await.unwrap().status,
        PayoutStatus::Pending
    );

    // The schema check itself catches a broken file.
    if !checked {
        return;
    }
    let broken = out.path().join("broken.xml");
    std::fs::write(
        &broken,
        xml.replace("<PmtMtd>TRF</PmtMtd>", "<PmtMtd>XFER</PmtMtd>"),
    )
    .unwrap();
    assert!(
        schema_errors(&broken).is_some(),
        "xmllint must reject an unknown PmtMtd"
    );
    std::fs::write(
        &broken,
        xml.replace(">12.50</InstdAmt>", ">12.505555</InstdAmt>"),
    )
    .unwrap();
    assert!(
        schema_errors(&broken).is_some(),
        "xmllint must reject an amount with 6 decimals"
    );
}

/// SEPA reaches the IBANs of its schemes' countries only; a BIC kept from before BICs were
/// checked is left out, not written into a file the schema refuses; no transfer exceeds the
/// rulebook's maximum; a BIC is checked when it is typed.
#[tokio::test]
async fn a_sepa_file_carries_only_what_a_sepa_bank_accepts() {
    let b = book().await;
    let l = &b.ledger;
    let out = tempfile::tempdir().unwrap();
    owner_account(l).await;
    let mut ids = Vec::new();
    for (user, iban) in [
        ("tr", "TR33 0006 1005 1978 6457 8413 26"),
        ("ae", "AE07 0331 2345 6789 0123 456"),
        ("gb", "GB29 NWBK 6016 1331 9268 19"),
        ("ch", "CH93 0076 2011 6238 5295 7"),
        ("al", "AL47 2121 1009 0000 0002 3569 8741"),
    ] {
        ids.push(payout_to(l, user, iban_of(user, iban), "10.00", "EUR", "").await);
    }
    // A German account whose BIC was saved before BICs were checked.
    let old_bic = {
        let c = customer(l, "de").await;
        let account = l
            .add_payment_account(&me(), c.id, &iban_of("De", "DE89 3704 0044 0532 0130 00"))
            .await
            .unwrap();
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", l.path().display()))
            .await
            .unwrap();
        sqlx::query("UPDATE payment_accounts SET bic = 'DEUTDE0F' WHERE id = ?")
            .bind(account.id)
            .execute(&pool)
            .await
            .unwrap();
        // And a payout above what one SEPA transfer may carry, written behind the app's back.
        let big = payout_to(
            l,
            "big",
            iban_of("Big", "DE89 3704 0044 0532 0130 00"),
            "5.00",
            "EUR",
            "",
        )
        .await;
        sqlx::query("UPDATE payouts SET amount_minor = 100000000000 WHERE id = ?")
            .bind(big)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        ids.push(big);
        pay(l, approved(l, c.id, "4.00", "EUR").await.id).await.id
    };
    ids.push(old_bic);
    let files = l
        .payment_files(&me(), PaymentFileKind::Sepa, &ids, out.path(), false)
        .await
        .unwrap();
    let skipped: Vec<_> = files
        .skipped
        .iter()
        .map(|s| (s.id, s.refusal.clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            (ids[0], Refusal::NotSepaCountry("TR".into())),
            (ids[1], Refusal::NotSepaCountry("AE".into())),
            (ids[5], Refusal::AboveSepaMaximum),
        ]
    );
    assert_eq!(
        files.skipped[0].refusal.to_string(),
        "SEPA transfers do not reach TR IBANs; pay it another way, such as Wise."
    );
    assert_eq!(
        files.payouts,
        ["PO-000003", "PO-000004", "PO-000005", "PO-000007"]
    );
    assert_eq!(files.notes.len(), 1);
    assert!(
        files.notes[0].starts_with("PO-000007: its account's BIC DEUTDE0F"),
        "{:?}",
        files.notes
    );
    let path = Path::new(&files.files[0]);
    if let Some(errors) = xmllint_here().then(|| schema_errors(path)).flatten() {
        panic!("not valid pain.001.001.03:\n{errors}");
    }
    let xml = std::fs::read_to_string(path).unwrap();
    assert!(!xml.contains("DEUTDE0F"), "{xml}");

    // Typed today, such a BIC is refused next to its field.
    let c = customer(l, "new").await;
    let mut account = iban_of("New", "DE89 3704 0044 0532 0130 00");
    if let AccountInput::Bank { bic, .. } = &mut account {
        *bic = "DEUTDE0F".into();
    }
    let err = l
        .add_payment_account(&me(), c.id, &account)
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.field()), ("validation", Some("bic")));
}

#[tokio::test]
async fn a_wise_file_has_the_bank_columns_of_its_currency() {
    let b = book().await;
    let l = &b.ledger;
    let out = tempfile::tempdir().unwrap();
    let eur = payout_to(
        l,
        "ada",
        iban_account("=Ada", "DE89370400440532013000"),
        "12.50",
        "EUR",
        "",
    )
    .await;
    let usd = payout_to(l, "sam", us_account("Sam Smith"), "20.00", "USD", "").await;
    let wallet = payout_to(l, "pat", paypal("pat@example.com"), "1.00", "USD", "").await;
    // Dollars to a German IBAN: Wise pays it in euros only.
    let dollars_to_iban = payout_to(
        l,
        "dan",
        iban_account("Dan", "DE89370400440532013000"),
        "5.00",
        "USD",
        "",
    )
    .await;
    let company = payout_to(
        l,
        "corner",
        iban_of("Corner Shop Ltd.", "GB29 NWBK 6016 1331 9268 19"),
        "8.00",
        "GBP",
        "",
    )
    .await;
    let files = l
        .payment_files(
            &me(),
            PaymentFileKind::Wise,
            &[eur, usd, wallet, dollars_to_iban, company],
            out.path(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(files.payouts, ["PO-000001", "PO-000002", "PO-000005"]);
    assert_eq!(
        files.skipped[0].refusal.to_string(),
        "It is paid to a PayPal account, not a bank account."
    );
    assert_eq!(
        files.skipped[1].refusal.to_string(),
        "Wise pays DE IBANs in EUR; this payout is in USD."
    );
    assert!(files.notes[0].contains("address"), "{:?}", files.notes);
    let read = |name: &str| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(out.path().join(name))
            .unwrap()
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    };
    let common = [
        "name",
        "recipientEmail",
        "paymentReference",
        "receiverType",
        "amountCurrency",
        "amount",
        "sourceCurrency",
        "targetCurrency",
    ];
    let euros = read("wise-batch-20260105-EUR.csv");
    assert_eq!(euros[0], [&common[..], &["IBAN"]].concat());
    assert_eq!(
        euros[1],
        [
            // No spreadsheet guard in a provider's upload: the formula start is dropped.
            "Ada",
            "",
            "PO-000001",
            "PERSON",
            "target",
            "12.50",
            "EUR",
            "EUR",
            "DE89370400440532013000"
        ]
    );
    let pounds = read("wise-batch-20260105-GBP.csv");
    assert_eq!(
        &pounds[1][..4],
        ["Corner Shop Ltd.", "", "PO-000005", "BUSINESS"]
    );
    let dollars = read("wise-batch-20260105-USD.csv");
    assert_eq!(
        &dollars[0][..11],
        [&common[..], &["abartn", "accountNumber", "accountType"]].concat()
    );
    assert_eq!(dollars[0].len(), 16, "with the address columns");
    assert_eq!(
        &dollars[1][..10],
        [
            "Sam Smith",
            "",
            "PO-000002",
            "PERSON",
            "target",
            "20.00",
            "USD",
            "USD",
            "021000021",
            "000123456789"
        ]
    );
    assert_eq!(l.payout(eur).await.unwrap().status, PayoutStatus::Pending);
}

#[test]
fn sepa_text_examples() {
    assert_eq!(sepa_text("Jürgen Groß & Söhne", 70), "Jurgen Gross + Sohne");
    assert_eq!(sepa_text("  a\t\tb  ", 70), "a b");
    assert_eq!(sepa_text("Ærø", 70), "AEro");
    assert_eq!(sepa_text("abcdef", 3), "abc");
    assert_eq!(sepa_text("<>\"", 70), "");
}

proptest! {
    #[test]
    fn sepa_text_is_always_in_the_set_and_within_bounds(text in any::<String>(), max in 1usize..150) {
        let out = sepa_text(&text, max);
        prop_assert!(in_sepa_set(&out), "{:?}", out);
        prop_assert!(out.chars().count() <= max);
        prop_assert!(!out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "));
    }
}

/// Two SEPA files written in the same second (the same payouts, written again before any was
/// sent) carry different message ids: a bank refuses a MsgId it has seen, and the book keeps
/// each file as its own run.
#[tokio::test]
async fn two_sepa_files_in_one_second_have_different_message_ids() {
    let b = book().await;
    let l = &b.ledger;
    let ids = euro_bank_payouts(l).await;
    let out = tempfile::tempdir().unwrap();
    let msg_id = |path: &std::path::Path| {
        let xml = std::fs::read_to_string(path).unwrap();
        xml.split("<MsgId>")
            .nth(1)
            .unwrap()
            .split("</MsgId>")
            .next()
            .unwrap()
            .to_owned()
    };
    let mut seen = Vec::new();
    for folder in ["first", "second"] {
        let dir = out.path().join(folder);
        std::fs::create_dir(&dir).unwrap();
        // The same origin: the same second on the owner's clock.
        let files = l
            .payment_files(&me(), PaymentFileKind::Sepa, &ids, &dir, false)
            .await
            .unwrap();
        seen.push(msg_id(std::path::Path::new(&files.files[0])));
    }
    assert_ne!(seen[0], seen[1]);
    assert!(seen.iter().all(|id| id.len() <= 35), "{seen:?}");
    let runs = l
        .list_runs(ledger::PageRequest {
            page: 1,
            page_size: 10,
        })
        .await
        .unwrap();
    assert_eq!(runs.items.len(), 2, "each file is its own run");
}
