//! Sample data for a first look: a few dozen customers in several countries with bank and
//! digital accounts, programs, requests in every status and payouts in every status with a
//! history. Made through the same functions a user's clicks go through, so every record is
//! valid and audited (source `system`). Only an empty book takes it.

use chrono::Duration;
use serde::Serialize;

use crate::accounts::{AccountInput, HandleKind, Provider};
use crate::audit::{Origin, Source};
use crate::customers::CustomerInput;
use crate::error::{Error, Result};
use crate::payouts::{FailureReason, NewPayout, PayoutStatus, StatusChange};
use crate::programs::ProgramInput;
use crate::requests::{Decision, RequestInput};
use crate::{validate, Ledger};

#[derive(Debug, Clone, Serialize)]
pub struct SampleSummary {
    pub customers: usize,
    pub requests: usize,
    pub payouts: usize,
}

/// (username, name, country, currency). Bank customers in IBAN countries, US by routing
/// number, the rest digital.
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("lena.vogel", "Lena Vogel", "DE", "EUR"),
    ("jonas_k", "Jonas König", "DE", "EUR"),
    ("mia.schulz", "Mia Schulz", "DE", "EUR"),
    ("camille.d", "Camille Dubois", "FR", "EUR"),
    ("hugo.martin", "Hugo Martin", "FR", "EUR"),
    ("sanne.devries", "Sanne de Vries", "NL", "EUR"),
    ("daan.b", "Daan Bakker", "NL", "EUR"),
    ("lucia.gm", "Lucía García Martín", "ES", "EUR"),
    ("mateo.r", "Mateo Rodríguez", "ES", "EUR"),
    ("giulia.rossi", "Giulia Rossi", "IT", "EUR"),
    ("marco_b", "Marco Bianchi", "IT", "EUR"),
    ("aoife.m", "Aoife Murphy", "IE", "EUR"),
    ("lotte.peeters", "Lotte Peeters", "BE", "EUR"),
    ("felix.gruber", "Felix Gruber", "AT", "EUR"),
    ("oliver.smith", "Oliver Smith", "GB", "GBP"),
    ("amelia.jones", "Amelia Jones", "GB", "GBP"),
    ("harry.w", "Harry Williams", "GB", "GBP"),
    ("emma.johnson", "Emma Johnson", "US", "USD"),
    ("liam.brown", "Liam Brown", "US", "USD"),
    ("ava.garcia", "Ava García", "US", "USD"),
    ("noah.miller", "Noah Miller", "US", "USD"),
    ("sophia.davis", "Sophia Davis", "US", "USD"),
    ("jackson.w", "Jackson Wilson", "US", "USD"),
    ("isabella.m", "Isabella Moore", "US", "USD"),
    ("ethan.t", "Ethan Taylor", "US", "USD"),
    ("yuki.tanaka", "田中 由紀 (Yuki Tanaka)", "JP", "JPY"),
    ("haruto.s", "Haruto Sato", "JP", "JPY"),
    ("chloe.tremblay", "Chloé Tremblay", "CA", "CAD"),
    ("william.roy", "William Roy", "CA", "CAD"),
    ("matilda.w", "Matilda Walker", "AU", "AUD"),
    ("jack.kelly", "Jack Kelly", "AU", "AUD"),
    ("priya.sharma", "Priya Sharma", "IN", "INR"),
    ("omar.haddad", "Omar Haddad", "KW", "KWD"),
    ("sofia.lindqvist", "Sofia Lindqvist", "SE", "SEK"),
    ("ana.souza", "Ana Souza", "BR", "BRL"),
    ("zanele.d", "Zanele Dlamini", "ZA", "ZAR"),
];

/// A bank name, a BIC and a national account number (BBAN) in the country's IBAN format.
fn bank(country: &str, n: usize) -> Option<(&'static str, &'static str, String)> {
    let account = |digits: usize| {
        format!(
            "{:0digits$}",
            1_000_003 * (n + 7) % 10usize.pow(digits.min(18) as u32)
        )
    };
    Some(match country {
        "DE" => (
            "Commerzbank",
            "COBADEFF",
            format!("37040044{}", account(10)),
        ),
        "FR" => (
            "BNP Paribas",
            "BNPAFRPP",
            format!("3000400003{}42", account(11)),
        ),
        "NL" => ("ABN AMRO", "ABNANL2A", format!("ABNA{}", account(10))),
        "ES" => ("CaixaBank", "CAIXESBB", format!("21000418{}", account(12))),
        "IT" => (
            "UniCredit",
            "UNCRITMM",
            format!("X0542811101{}", account(12)),
        ),
        "IE" => ("AIB", "AIBKIE2D", format!("AIBK931152{}", account(8))),
        "BE" => (
            "BNP Paribas Fortis",
            "GEBABEBB",
            format!("001{}", account(9)),
        ),
        "AT" => ("Bank Austria", "BKAUATWW", format!("12000{}", account(11))),
        "GB" => ("Barclays", "BARCGB22", format!("BARC200000{}", account(8))),
        _ => return None,
    })
}

const ROUTING: &[&str] = &[
    "021000021",
    "026009593",
    "011000138",
    "121000358",
    "111000025",
];

fn account_for(i: usize, username: &str, name: &str, country: &str) -> AccountInput {
    let digital = |provider, handle_kind, handle: String| AccountInput::Digital {
        provider,
        handle_kind,
        handle,
    };
    if let Some((bank_name, bic, bban)) = bank(country, i).filter(|_| i % 3 != 2) {
        return AccountInput::Bank {
            holder_name: name.to_owned(),
            bank_name: bank_name.to_owned(),
            account_number: String::new(),
            iban: validate::iban_from_bban(country, &bban),
            routing_number: String::new(),
            bic: bic.to_owned(),
            country: country.to_owned(),
        };
    }
    match (country, i % 4) {
        ("US", 0) => AccountInput::Bank {
            holder_name: name.to_owned(),
            bank_name: "Chase".into(),
            account_number: format!("{:09}", 400_000_017 + i * 7919),
            iban: String::new(),
            routing_number: ROUTING[i % ROUTING.len()].to_owned(),
            bic: String::new(),
            country: "US".into(),
        },
        ("US", 1) => digital(
            Provider::Venmo,
            HandleKind::Username,
            format!("@{}", username.replace('.', "-")),
        ),
        ("US", 2) => digital(
            Provider::CashApp,
            HandleKind::Username,
            format!("${}", username.replace(['.', '_'], "")),
        ),
        (_, 3) => digital(
            Provider::Wise,
            HandleKind::Email,
            format!("{username}@example.com"),
        ),
        (_, 2) => digital(
            Provider::Paypal,
            HandleKind::Phone,
            format!("+1 555 01{:02}", i % 100),
        ),
        _ => digital(
            Provider::Paypal,
            HandleKind::Email,
            format!("{username}@example.com"),
        ),
    }
}

/// A reward in the currency's own scale.
fn amount(currency: &str, i: usize) -> String {
    let base = [5, 10, 12, 15, 20, 25, 40, 50, 75][i % 9];
    match currency {
        "JPY" => format!("{}", base * 150),
        "INR" => format!("{}.00", base * 80),
        "KWD" => format!("{}.{:03}", base / 4, (i * 125) % 1000),
        "SEK" | "ZAR" | "BRL" => format!("{}.50", base * 10),
        _ => format!("{base}.{:02}", (i * 25) % 100),
    }
}

impl Ledger {
    /// Fills an empty book with sample data (see the module notes).
    pub async fn load_sample_data(&self, origin: &Origin) -> Result<SampleSummary> {
        let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers")
            .fetch_one(&self.reader)
            .await?;
        if customers > 0 {
            return Err(Error::Precondition(
                "Sample data goes only into an empty book; this one already has customers.".into(),
            ));
        }
        // About an hour apart over the last four weeks, oldest first, so the history reads
        // naturally and the newest records are from the last few days.
        let start = origin.at - Duration::days(28);
        let mut step = 0;
        let mut at = || {
            step += 1;
            Origin {
                operator: origin.operator.clone(),
                source: Source::System,
                at: start + Duration::minutes(step * 61),
            }
        };
        let mut programs = Vec::new();
        for (name, reward, currency) in [
            ("Referral bonus", "10.00", "USD"),
            ("Spring cashback", "", ""),
            ("Loyalty reward", "25.00", "EUR"),
            ("Review incentive", "", ""),
        ] {
            let input = ProgramInput {
                name: name.into(),
                default_reward: reward.into(),
                currency: currency.into(),
            };
            programs.push(self.add_program(&at(), &input).await?.id);
        }
        let (mut requests, mut payouts) = (0, 0);
        for (i, (username, name, country, currency)) in PEOPLE.iter().enumerate() {
            let customer = self
                .add_customer(
                    &at(),
                    &CustomerInput {
                        username: (*username).into(),
                        display_name: (*name).into(),
                        email: format!("{username}@example.com"),
                    },
                )
                .await?;
            self.add_payment_account(&at(), customer.id, &account_for(i, username, name, country))
                .await?;
            if i % 5 == 0 {
                let second = AccountInput::Digital {
                    provider: Provider::Paypal,
                    handle_kind: HandleKind::Email,
                    handle: format!("{}.pay@example.com", username.replace('_', ".")),
                };
                self.add_payment_account(&at(), customer.id, &second)
                    .await?;
            }
            // Two or three requests each; their fate cycles through every status.
            for k in 0..(2 + i % 2) {
                let request = self
                    .add_request(
                        &at(),
                        &RequestInput {
                            customer_id: customer.id,
                            program_id: Some(programs[(i + k) % programs.len()]),
                            amount: amount(currency, i + k),
                            currency: (*currency).into(),
                            note: format!("Order #{}", 41_000 + i * 10 + k),
                        },
                    )
                    .await?;
                requests += 1;
                let fate = (i * 3 + k) % 8;
                match fate {
                    0 => continue,
                    1 => {
                        self.decide_request(
                            &at(),
                            request.id,
                            Decision::Reject,
                            "Order was refunded",
                        )
                        .await?;
                        continue;
                    }
                    _ => {
                        self.decide_request(&at(), request.id, Decision::Approve, "")
                            .await?;
                    }
                }
                if fate == 2 {
                    // Approved, waiting for a payout; one in three written off instead.
                    if i % 3 == 0 {
                        self.void_request(&at(), request.id, "Order returned; no cashback due")
                            .await?;
                    }
                    continue;
                }
                let payout = self
                    .create_payout(
                        &at(),
                        &NewPayout {
                            request_id: request.id,
                            description: format!("Cashback for order #{}", 41_000 + i * 10 + k),
                            ..NewPayout::for_request(request.id)
                        },
                    )
                    .await?;
                payouts += 1;
                let reference = format!(
                    "{}-{:06}",
                    if payout.method == "bank" {
                        "TRF"
                    } else {
                        "TXN"
                    },
                    730_000 + payouts * 37
                );
                let moves: &[(PayoutStatus, bool, &str)] = match fate {
                    3 => &[],
                    4 => &[(PayoutStatus::OnProcess, false, "Sent in this week's batch")],
                    5 => &[
                        (PayoutStatus::OnProcess, false, ""),
                        (PayoutStatus::Success, true, ""),
                    ],
                    6 => &[(
                        PayoutStatus::Success,
                        false,
                        "Paid by hand; reference to follow",
                    )],
                    _ => &[
                        (PayoutStatus::OnProcess, false, ""),
                        (
                            PayoutStatus::Failed,
                            false,
                            "Account closed; ask the customer for another",
                        ),
                    ],
                };
                for (status, with_reference, note) in moves {
                    let change = StatusChange {
                        status: *status,
                        failure_reason: (*status == PayoutStatus::Failed)
                            .then_some(FailureReason::AccountClosed),
                        external_reference: if *with_reference {
                            reference.clone()
                        } else {
                            String::new()
                        },
                        note: (*note).into(),
                        payment: Default::default(),
                    };
                    self.change_payout_status(&at(), payout.id, &change).await?;
                }
                // Every other failed payout is cancelled: the customer took store credit.
                if fate == 7 && i % 2 == 0 {
                    let cancel = StatusChange {
                        status: PayoutStatus::Cancelled,
                        failure_reason: None,
                        external_reference: String::new(),
                        note: "Customer took store credit instead".into(),
                        payment: Default::default(),
                    };
                    self.change_payout_status(&at(), payout.id, &cancel).await?;
                }
            }
        }
        Ok(SampleSummary {
            customers: PEOPLE.len(),
            requests,
            payouts,
        })
    }
}
