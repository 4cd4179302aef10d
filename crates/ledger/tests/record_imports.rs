//! Customers, payment accounts and approved requests brought in from other tools' CSV exports
//! (fixtures in `fixtures/records/`, see its README): a check that names every bad line and
//! writes nothing, one audited batch for the rest, and a second import that adds nothing.

mod common;

use std::collections::BTreeMap;

use common::*;
use ledger::data_import::{Field, RecordKind, RecordMapping};
use ledger::requests::RequestFilter;
use ledger::statements::TextEncoding;
use ledger::{Error, PageRequest};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/records/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// What the import asks for: the SHA-256 of the file checked.
fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn columns(pairs: &[(Field, &str)]) -> BTreeMap<Field, String> {
    pairs.iter().map(|(f, c)| (*f, (*c).to_owned())).collect()
}

/// Shopify's customer export, with a "PayPal Email" column the owner added.
fn shopify() -> RecordMapping {
    RecordMapping {
        kind: RecordKind::Customers,
        source: "Shopify".into(),
        delimiter: ',',
        encoding: TextEncoding::Utf8,
        skip_lines: 0,
        decimal_comma: false,
        columns: columns(&[
            (Field::ExternalId, "Customer ID"),
            (Field::Username, "Email"),
            (Field::Name, "First Name"),
            (Field::LastName, "Last Name"),
            (Field::Email, "Email"),
            (Field::PaypalEmail, "PayPal Email"),
        ]),
        currency: String::new(),
    }
}

/// A German owner's spreadsheet saved by Excel as CSV: semicolons, Windows-1252.
fn spreadsheet() -> RecordMapping {
    RecordMapping {
        kind: RecordKind::Customers,
        source: "Kundenliste".into(),
        delimiter: ';',
        encoding: TextEncoding::Latin1,
        skip_lines: 0,
        decimal_comma: true,
        columns: columns(&[
            (Field::ExternalId, "Kundennr."),
            (Field::Username, "Benutzername"),
            (Field::Name, "Name"),
            (Field::Email, "E-Mail"),
            (Field::Iban, "IBAN"),
            (Field::Bic, "BIC"),
            (Field::AccountHolder, "Kontoinhaber"),
        ]),
        currency: String::new(),
    }
}

/// A Typeform form's responses: "#" is the response's token.
fn typeform() -> RecordMapping {
    RecordMapping {
        kind: RecordKind::Requests,
        source: "Cashback form".into(),
        delimiter: ',',
        encoding: TextEncoding::Utf8,
        skip_lines: 0,
        decimal_comma: false,
        columns: columns(&[
            (Field::ExternalId, "#"),
            (Field::Username, "What is your username?"),
            (Field::Amount, "How much cashback did we promise?"),
            (Field::Currency, "Currency"),
            (Field::Program, "Which program?"),
            (Field::Note, "Anything else we should know?"),
        ]),
        currency: String::new(),
    }
}

fn problems(check: &ledger::data_import::RecordCheck) -> Vec<(i64, String)> {
    check
        .problems
        .iter()
        .map(|p| (p.line_no, p.problem.clone()))
        .collect()
}

#[tokio::test]
async fn a_shopify_export_is_checked_then_imported_once() {
    let b = book().await;
    let l = &b.ledger;
    let bytes = fixture("customers-shopify.csv");
    let check = l.check_records(&bytes, shopify()).await.unwrap();
    assert_eq!((check.lines, check.ready, check.known), (6, 3, 0));
    let found = problems(&check);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, 5);
    assert_eq!(found[0].1, "Username is required.");
    assert_eq!(found[1].0, 6);
    assert!(
        found[1].1.contains("is on line 2 too"),
        "a username differing only in case is the same: {found:?}"
    );
    assert_eq!(found[2].0, 7);
    assert!(found[2].1.starts_with("PayPal e-mail:"), "{found:?}");
    assert_eq!(
        check.sample[0],
        "Line 2: Ava Martin (ava.martin@example.com), paid to PayPal · a•••@example.com"
    );
    assert!(check.sample[2].starts_with("Line 4: Zoë Łukasiewicz"));
    // The check wrote nothing.
    assert_eq!(count(l, "customers").await, 0);
    assert_eq!(count(l, "audit_events").await, 0);

    let done = l
        .import_records(
            &me(),
            "customers_export.csv",
            &bytes,
            shopify(),
            &sha(&bytes),
            &|_| true,
        )
        .await
        .unwrap();
    assert_eq!((done.customers, done.accounts, done.known), (3, 2, 0));
    assert_eq!(
        done.message,
        "Imported 3 customers, 2 payment accounts. 3 lines with a problem were left out."
    );
    let page = l
        .list_customers(
            "",
            PageRequest {
                page: 1,
                page_size: 50,
            },
        )
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|c| c.display_name.as_str()).collect();
    assert!(names.contains(&"Noah Okafor") && names.contains(&"Zoë Łukasiewicz"));
    let ava = page
        .items
        .iter()
        .find(|c| c.display_name == "Ava Martin")
        .unwrap();
    assert_eq!(ava.email.as_deref(), Some("ava.martin@example.com"));
    assert_eq!(ava.account_count, 1);
    let accounts = l.customer_accounts(ava.id).await.unwrap();
    assert!(accounts[0].is_default);
    // One event per record, as creates by hand give them, and the mapping's; the book checks
    // out against them.
    assert_eq!(count(l, "audit_events").await, 6);
    assert!(l.verify_book().await.unwrap().intact());

    // The same file again: every line it imported is known, nothing is added.
    let again = l.check_records(&bytes, shopify()).await.unwrap();
    assert_eq!((again.ready, again.known, again.problems.len()), (0, 3, 3));
    let again = l
        .import_records(
            &me(),
            "customers_export.csv",
            &bytes,
            shopify(),
            &sha(&bytes),
            &|_| true,
        )
        .await
        .unwrap();
    assert_eq!((again.customers, again.accounts, again.known), (0, 0, 3));
    assert_eq!(count(l, "customers").await, 3);
    assert_eq!(count(l, "audit_events").await, 6);
}

#[tokio::test]
async fn a_latin1_spreadsheet_names_each_bad_line() {
    let b = book().await;
    let l = &b.ledger;
    customer(l, "taken.name").await;
    let bytes = fixture("customers-de-latin1.csv");
    let check = l.check_records(&bytes, spreadsheet()).await.unwrap();
    let found = problems(&check);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, 5);
    assert!(
        found[0].1.starts_with("IBAN check digits do not match"),
        "a wrong check digit: {found:?}"
    );
    assert_eq!(found[1].0, 6);
    assert!(
        found[1].1.contains("\"taken.name\" is taken by CU-000001."),
        "{found:?}"
    );
    assert_eq!(found[2], (8, "External id: the line has none.".to_owned()));
    assert_eq!(check.ready, 4);
    // Windows-1252 read as such; the holder is the customer's name unless the file says.
    assert!(
        check.sample[0].starts_with("Line 2: Jürgen Groß (juergen.gross), paid to"),
        "{:?}",
        check.sample
    );
    let done = l
        .import_records(
            &me(),
            "kunden.csv",
            &bytes,
            spreadsheet(),
            &sha(&bytes),
            &|_| true,
        )
        .await
        .unwrap();
    assert_eq!((done.customers, done.accounts), (4, 4));
    let anne = l
        .list_customers(
            "anne-sophie",
            PageRequest {
                page: 1,
                page_size: 5,
            },
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let account = l.customer_accounts(anne.id).await.unwrap().remove(0);
    let details = l.reveal_payment_account(&me(), account.id).await.unwrap();
    let text = format!("{details:?}");
    assert!(text.contains("Müller Holding GmbH") && text.contains("DE02120300000000202051"));
    assert!(l.verify_book().await.unwrap().intact());
}

#[tokio::test]
async fn form_responses_become_approved_requests_of_known_customers() {
    let b = book().await;
    let l = &b.ledger;
    let customers = fixture("customers-shopify.csv");
    l.import_records(
        &me(),
        "customers_export.csv",
        &customers,
        shopify(),
        &sha(&customers),
        &|_| true,
    )
    .await
    .unwrap();
    l.add_program(
        &me(),
        &ledger::programs::ProgramInput {
            name: "Spring referral".into(),
            default_reward: String::new(),
            currency: String::new(),
        },
    )
    .await
    .unwrap();
    let bytes = fixture("requests-typeform.csv");
    let check = l.check_records(&bytes, typeform()).await.unwrap();
    let found = problems(&check);
    let lines: Vec<i64> = found.iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, vec![4, 5, 6, 7], "{found:?}");
    assert!(found[0].1.starts_with("Currency: \"EURO\""), "{found:?}");
    assert!(
        found[1]
            .1
            .contains("no customer \"someone.else@example.com\""),
        "{found:?}"
    );
    assert!(
        found[2].1.starts_with("Amount:"),
        "a negative amount: {found:?}"
    );
    assert!(
        found[3].1.contains("no active program \"Winter loyalty\""),
        "{found:?}"
    );
    assert_eq!(check.ready, 3);
    let done = l
        .import_records(
            &me(),
            "responses.csv",
            &bytes,
            typeform(),
            &sha(&bytes),
            &|_| true,
        )
        .await
        .unwrap();
    assert_eq!(done.requests, 3);
    let payable = l
        .list_requests(
            "",
            RequestFilter::Payable,
            PageRequest {
                page: 1,
                page_size: 50,
            },
        )
        .await
        .unwrap();
    let mut amounts: Vec<String> = payable
        .page
        .items
        .iter()
        .map(|r| r.amount.to_string())
        .collect();
    amounts.sort();
    assert_eq!(amounts, vec!["1250.00 USD", "15.00 EUR", "25.00 USD"]);
    let referral = payable
        .page
        .items
        .iter()
        .find(|r| r.amount.minor() == 2500)
        .unwrap();
    assert!(referral.program_id.is_some());
    assert_eq!(referral.note, "Referred two friends");
    // Created, then approved: two events a request, the approval saying where it came from.
    let history = l.history(Record::Request(referral.id)).await.unwrap();
    assert_eq!(history.len(), 2);
    let approval = history.iter().find(|e| e.action == "approve").unwrap();
    assert_eq!(approval.note, "Imported from responses.csv, line 2.");
    assert!(l.verify_book().await.unwrap().intact());
    let again = l
        .import_records(
            &me(),
            "responses.csv",
            &bytes,
            typeform(),
            &sha(&bytes),
            &|_| true,
        )
        .await
        .unwrap();
    assert_eq!((again.requests, again.known), (0, 3));
}

#[tokio::test]
async fn a_mapping_without_a_required_column_or_a_file_without_it_is_refused() {
    let b = book().await;
    let l = &b.ledger;
    let bytes = fixture("customers-shopify.csv");
    let mut mapping = shopify();
    mapping.columns.remove(&Field::ExternalId);
    let err = l.check_records(&bytes, mapping).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if *field == "columns"),
        "{err:?}"
    );
    let mut mapping = shopify();
    mapping.columns.insert(Field::Username, "Username".into());
    let err = l.check_records(&bytes, mapping).await.unwrap_err();
    assert!(err.to_string().contains("no column \"Username\""), "{err}");
    // Requests without a currency column need the one currency of the file.
    let mut mapping = typeform();
    mapping.columns.remove(&Field::Currency);
    let err = l
        .check_records(&fixture("requests-typeform.csv"), mapping)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if *field == "currency"),
        "{err:?}"
    );
}

/// 10,000 customers with bank accounts in one batch, with progress; cancelled, nothing stays.
#[tokio::test]
async fn ten_thousand_lines_import_in_one_batch_and_a_cancel_leaves_nothing() {
    let b = book().await;
    let l = &b.ledger;
    let mut csv = String::from("id,username,name,iban\n");
    for k in 0..10_000 {
        csv.push_str(&format!(
            "{k},user{k},Customer {k},DE89370400440532013000\n"
        ));
    }
    let mapping = RecordMapping {
        kind: RecordKind::Customers,
        source: "Spreadsheet".into(),
        delimiter: ',',
        encoding: TextEncoding::Utf8,
        skip_lines: 0,
        decimal_comma: false,
        columns: columns(&[
            (Field::ExternalId, "id"),
            (Field::Username, "username"),
            (Field::Name, "name"),
            (Field::Iban, "iban"),
        ]),
        currency: String::new(),
    };
    let settings = count(l, "settings").await;
    let err = l
        .import_records(
            &me(),
            "c.csv",
            csv.as_bytes(),
            mapping.clone(),
            &sha(csv.as_bytes()),
            &|done| done < 5_000,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled));
    assert_eq!(count(l, "customers").await, 0);
    assert_eq!(count(l, "audit_events").await, 0, "nothing recorded");
    assert_eq!(
        count(l, "settings").await,
        settings,
        "the mapping not saved either"
    );
    let told = std::sync::Mutex::new(Vec::new());
    let started = std::time::Instant::now();
    let done = l
        .import_records(
            &me(),
            "c.csv",
            csv.as_bytes(),
            mapping,
            &sha(csv.as_bytes()),
            &|done| {
                told.lock().unwrap().push(done);
                true
            },
        )
        .await
        .unwrap();
    println!(
        "10,000 customers with accounts imported in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!((done.customers, done.accounts), (10_000, 10_000));
    // Every 500 lines, and once more with all of them before the commit.
    assert_eq!(told.into_inner().unwrap().len(), 20);
    // The records' events, and the mapping's.
    assert_eq!(count(l, "audit_events").await, 20_001);
    assert!(l.verify_book().await.unwrap().intact());
}

#[tokio::test]
async fn a_mapping_is_saved_per_kind_and_source() {
    let b = book().await;
    let l = &b.ledger;
    l.save_record_mapping(&me(), shopify()).await.unwrap();
    l.save_record_mapping(&me(), typeform()).await.unwrap();
    let mut renamed = shopify();
    renamed
        .columns
        .insert(Field::Email, "Default Address Phone".into());
    renamed.source = "SHOPIFY".into();
    l.save_record_mapping(&me(), renamed.clone()).await.unwrap();
    let customers = l.record_mappings(RecordKind::Customers).await.unwrap();
    assert_eq!(customers, vec![renamed], "one per source, the last saved");
    let requests = l.record_mappings(RecordKind::Requests).await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].source, "Cashback form");
    let mut incomplete = typeform();
    incomplete.columns.remove(&Field::Amount);
    assert!(l.save_record_mapping(&me(), incomplete).await.is_err());
}

fn mapping_of(kind: RecordKind, pairs: &[(Field, &str)]) -> RecordMapping {
    RecordMapping {
        kind,
        source: "Sheet".into(),
        delimiter: ',',
        encoding: TextEncoding::Utf8,
        skip_lines: 0,
        decimal_comma: false,
        columns: columns(pairs),
        currency: String::new(),
    }
}

/// Line numbers as an editor shows them: after a preamble, a blank line and a cell written
/// over several lines (a form's long answer); a byte-order mark is not part of the header.
#[tokio::test]
async fn problems_name_the_lines_an_editor_shows() {
    let b = book().await;
    let l = &b.ledger;
    customer(l, "ada").await;
    let csv = "\u{feff}Exported 2026-03-07\n\
               id,username,amount,note\n\
               r1,ada,10.00,\"first line\nsecond line\"\n\
               \n\
               r2,nobody,5.00,\n\
               r3,ada,12.50,\n\
               r3,ada,7.00,again\n\
               ,ada,1.00,\n";
    let mut mapping = mapping_of(
        RecordKind::Requests,
        &[
            (Field::ExternalId, "id"),
            (Field::Username, "username"),
            (Field::Amount, "amount"),
            (Field::Note, "note"),
        ],
    );
    mapping.skip_lines = 1;
    mapping.currency = "EUR".into();
    let check = l.check_records(csv.as_bytes(), mapping).await.unwrap();
    let found: Vec<(i64, String)> = problems(&check);
    assert_eq!(
        found.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        vec![6, 8, 9],
        "{found:?}"
    );
    assert!(found[0].1.contains("no customer \"nobody\""), "{found:?}");
    assert_eq!(found[1].1, "External id: \"r3\" is on line 7 too.");
    assert_eq!(check.ready, 2);
    assert_eq!(
        check.sample[0],
        "Line 3: 10.00 EUR for ada Example, approved"
    );
}

#[tokio::test]
async fn a_line_with_two_accounts_or_an_empty_currency_is_named() {
    let b = book().await;
    let l = &b.ledger;
    let csv = "id,user,name,paypal,iban\n\
               1,ann,Ann Lee,ann@example.com,DE89370400440532013000\n\
               2,bo,Bo Chan,bo@example.com,\n";
    let mapping = mapping_of(
        RecordKind::Customers,
        &[
            (Field::ExternalId, "id"),
            (Field::Username, "user"),
            (Field::Name, "name"),
            (Field::PaypalEmail, "paypal"),
            (Field::Iban, "iban"),
        ],
    );
    let check = l.check_records(csv.as_bytes(), mapping).await.unwrap();
    assert_eq!(
        problems(&check),
        vec![(
            2,
            "the line has both a PayPal e-mail and an IBAN; one account per line".to_owned()
        )]
    );
    customer(l, "cy").await;
    let csv = "id,user,amount,currency\n1,cy,5.00,\n2,cy,6.00,USD\n";
    let mut mapping = mapping_of(
        RecordKind::Requests,
        &[
            (Field::ExternalId, "id"),
            (Field::Username, "user"),
            (Field::Amount, "amount"),
            (Field::Currency, "currency"),
        ],
    );
    let check = l
        .check_records(csv.as_bytes(), mapping.clone())
        .await
        .unwrap();
    assert_eq!(
        problems(&check),
        vec![(2, "Currency: the line has none.".to_owned())]
    );
    // The one currency of the file fills a line without one.
    mapping.currency = "EUR".into();
    let check = l.check_records(csv.as_bytes(), mapping).await.unwrap();
    assert_eq!((check.ready, check.problems.len()), (2, 0));
    assert_eq!(check.sample[0], "Line 2: 5.00 EUR for cy Example, approved");
}

/// "1.500" is 1,500 with a decimal comma and 1.50 with a point: the file's amounts decide, and a
/// mapping that says otherwise is refused rather than read a thousand times off.
#[tokio::test]
async fn amounts_are_read_with_the_mark_the_file_proves() {
    let b = book().await;
    let l = &b.ledger;
    customer(l, "dora").await;
    let csv = "Nr;Benutzer;Betrag\nA1;dora;1.500\nA2;dora;1.234,56\nA3;dora;12,5\n";
    let mut mapping = mapping_of(
        RecordKind::Requests,
        &[
            (Field::ExternalId, "Nr"),
            (Field::Username, "Benutzer"),
            (Field::Amount, "Betrag"),
        ],
    );
    mapping.delimiter = ';';
    mapping.currency = "EUR".into();
    let err = l
        .check_records(csv.as_bytes(), mapping.clone())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tick “Decimal comma”"), "{err}");
    mapping.decimal_comma = true;
    let check = l.check_records(csv.as_bytes(), mapping).await.unwrap();
    assert_eq!(
        check.sample,
        vec![
            "Line 2: 1500.00 EUR for dora Example, approved",
            "Line 3: 1234.56 EUR for dora Example, approved",
            "Line 4: 12.50 EUR for dora Example, approved",
        ]
    );
}

/// The same source, however its name is cased, knows its lines; a file changed since its
/// check is refused.
#[tokio::test]
async fn a_source_is_known_by_its_name_and_a_changed_file_is_refused() {
    let b = book().await;
    let l = &b.ledger;
    let bytes = fixture("customers-shopify.csv");
    l.import_records(&me(), "a.csv", &bytes, shopify(), &sha(&bytes), &|_| true)
        .await
        .unwrap();
    let mut shouted = shopify();
    shouted.source = "SHOPIFY".into();
    let again = l.check_records(&bytes, shouted).await.unwrap();
    assert_eq!((again.ready, again.known), (0, 3));
    let checked = l.check_records(&bytes, shopify()).await.unwrap();
    let mut edited = bytes.clone();
    edited.extend_from_slice(
        b"7278014431451,Ola,Nordmann,ola@example.no,no,,,,,,NO,,,,no,0.00,0,,no,,\r\n",
    );
    let err = l
        .import_records(
            &me(),
            "a.csv",
            &edited,
            shopify(),
            &checked.file_sha256,
            &|_| true,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(count(l, "customers").await, 3);
}
