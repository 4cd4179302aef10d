//! A fresh book in a temp dir, opened through the production open function.
#![allow(dead_code, unused_imports)]

use chrono::{DateTime, TimeZone, Utc};
use ledger::accounts::{AccountInput, HandleKind, Provider};
use ledger::customers::{Customer, CustomerInput};
use ledger::requests::{Decision, Request, RequestInput};
pub use ledger::{AccountId, CustomerId, PayoutId, ProgramId, Record, RequestId};
use ledger::{Create, Ledger, Origin};
use tempfile::TempDir;

pub struct Book {
    pub ledger: Ledger,
    pub dir: TempDir,
}

pub async fn book() -> Book {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("book.sqlite"), Create::IfMissing, at(0))
        .await
        .unwrap();
    Book { ledger, dir }
}

/// A fixed instant, `minutes` after 2026-01-05 09:00 UTC.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

pub fn me() -> Origin {
    Origin::manual("Test Owner", at(1))
}

pub async fn customer(ledger: &Ledger, username: &str) -> Customer {
    let input = CustomerInput {
        username: username.into(),
        display_name: format!("{username} Example"),
        email: format!("{username}@example.com"),
    };
    ledger.add_customer(&me(), &input).await.unwrap()
}

pub fn paypal(handle: &str) -> AccountInput {
    AccountInput::Digital {
        provider: Provider::Paypal,
        handle_kind: HandleKind::Email,
        handle: handle.into(),
    }
}

pub fn iban_account(holder: &str, iban: &str) -> AccountInput {
    AccountInput::Bank {
        holder_name: holder.into(),
        bank_name: "Commerzbank".into(),
        account_number: String::new(),
        iban: iban.into(),
        routing_number: String::new(),
        bic: "COBADEFF".into(),
        country: "DE".into(),
    }
}

pub async fn request(
    ledger: &Ledger,
    customer_id: CustomerId,
    amount: &str,
    currency: &str,
) -> Request {
    let input = RequestInput::new(customer_id, amount, currency);
    ledger.add_request(&me(), &input).await.unwrap()
}

pub async fn approved(
    ledger: &Ledger,
    customer_id: CustomerId,
    amount: &str,
    currency: &str,
) -> Request {
    let r = request(ledger, customer_id, amount, currency).await;
    ledger
        .decide_request(&me(), r.id, Decision::Approve, "")
        .await
        .unwrap()
}

/// A customer with a PayPal account and one approved request of 12.50 USD.
pub async fn payable(ledger: &Ledger, username: &str) -> Request {
    let c = customer(ledger, username).await;
    ledger
        .add_payment_account(&me(), c.id, &paypal(&format!("{username}@example.com")))
        .await
        .unwrap();
    approved(ledger, c.id, "12.50", "USD").await
}

/// A payout for `request_id`, made now by the test owner.
pub async fn pay(ledger: &Ledger, request_id: RequestId) -> ledger::payouts::Payout {
    let new = ledger::payouts::NewPayout::for_request(request_id);
    ledger.create_payout(&me(), &new).await.unwrap()
}

/// Moves payout `id` to `status` without a reference or note, as the test owner; a move to
/// Failed says the bank returned it.
pub async fn moved_to(ledger: &Ledger, id: PayoutId, status: ledger::payouts::PayoutStatus) {
    let change = ledger::payouts::StatusChange {
        status,
        failure_reason: (status == ledger::payouts::PayoutStatus::Failed)
            .then_some(ledger::FailureReason::ReturnedByBank),
        external_reference: String::new(),
        note: String::new(),
        payment: Default::default(),
    };
    ledger
        .change_payout_status(&me(), id, &change)
        .await
        .unwrap();
}

/// Moves payout `id` to On Process, as the test owner: it was sent to the provider.
pub async fn sent(ledger: &Ledger, id: PayoutId) {
    moved_to(ledger, id, ledger::payouts::PayoutStatus::OnProcess).await;
}

pub async fn count(ledger: &Ledger, table: &str) -> i64 {
    let path = ledger.path().to_owned();
    let conn = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let n = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&conn)
        .await
        .unwrap();
    conn.close().await;
    n
}

/// The owner's own account a SEPA file pays from: Café Ünal GmbH's.
pub async fn owner_account(ledger: &Ledger) {
    let account = ledger::settings::OwnerAccount {
        name: "Café Ünal GmbH".into(),
        iban: "DE02 1203 0000 0000 2020 51".into(),
        bic: String::new(),
    };
    ledger.set_owner_account(&me(), account).await.unwrap();
}

/// Payouts of 12.50, 20.00 and 7.25 EUR to ada, bob and cy's German IBANs, with the owner's
/// own account set for SEPA files.
pub async fn euro_bank_payouts(ledger: &Ledger) -> Vec<PayoutId> {
    owner_account(ledger).await;
    let mut ids = Vec::new();
    for (name, amount) in [("ada", "12.50"), ("bob", "20.00"), ("cy", "7.25")] {
        let c = customer(ledger, name).await;
        ledger
            .add_payment_account(
                &me(),
                c.id,
                &iban_account(&format!("{name} Example"), "DE89370400440532013000"),
            )
            .await
            .unwrap();
        ids.push(
            pay(ledger, approved(ledger, c.id, amount, "EUR").await.id)
                .await
                .id,
        );
    }
    ids
}

/// A Pending payout of `amount` to a new customer `username` paid to `account`, with
/// `description`.
pub async fn payout_to(
    ledger: &Ledger,
    username: &str,
    account: AccountInput,
    amount: &str,
    currency: &str,
    description: &str,
) -> PayoutId {
    let c = customer(ledger, username).await;
    ledger
        .add_payment_account(&me(), c.id, &account)
        .await
        .unwrap();
    let r = approved(ledger, c.id, amount, currency).await;
    let new = ledger::payouts::NewPayout {
        description: description.into(),
        ..ledger::payouts::NewPayout::for_request(r.id)
    };
    ledger.create_payout(&me(), &new).await.unwrap().id
}
