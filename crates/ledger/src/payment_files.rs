//! Provider-ready payment files for the Pending payouts the user selects: PayPal Payouts CSV
//! (PayPal and Venmo wallets), Wise batch CSV ("send to bank accounts") and SEPA credit
//! transfer XML (pain.001.001.03) for euro bank payouts. The app never sends them: the owner
//! uploads them to the provider or their bank.
//!
//! Invariants: every file carries the payout number where the provider sends a reference back
//! (PayPal's customer id, Wise's payment reference, SEPA's EndToEndId), so statements match by
//! it; a payout a file cannot carry is listed with the reason and left out; files are written
//! beside their names and renamed only when the audit event (and the optional move to On
//! Process) is ready to commit; an existing file is never overwritten.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::accounts::{AccountDetails, HandleKind, Provider};
use crate::audit::{Action, Diff, Event, Origin, Record, Source};
use crate::error::{Error, Result};
use crate::export::neutralise;
use crate::files::{csv_error, io_error, AtomicFile};
use crate::ids::PayoutId;
use crate::money::Money;
use crate::payouts::status::{apply, current};
use crate::payouts::{PayoutStatus, Skipped, StatusChange};
use crate::refusal::Refusal;
use crate::Ledger;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentFileKind {
    /// PayPal's "Payouts Web" upload: PayPal and Venmo wallets.
    Paypal,
    /// Wise's batch payment template "send to bank accounts".
    Wise,
    /// A SEPA credit transfer initiation (pain.001.001.03) for the owner's bank.
    Sepa,
}

impl PaymentFileKind {
    pub fn label(self) -> &'static str {
        match self {
            PaymentFileKind::Paypal => "PayPal Payouts",
            PaymentFileKind::Wise => "Wise batch",
            PaymentFileKind::Sepa => "SEPA credit transfer",
        }
    }

    /// The most rows the provider takes in one file.
    pub const fn rows_per_file(self) -> usize {
        match self {
            PaymentFileKind::Paypal => 5_000,
            PaymentFileKind::Wise => 1_000,
            // No scheme limit; banks take far more than a small business pays in one go.
            PaymentFileKind::Sepa => 10_000,
        }
    }

    fn file_stem(self) -> &'static str {
        match self {
            PaymentFileKind::Paypal => "paypal-payouts",
            PaymentFileKind::Wise => "wise-batch",
            PaymentFileKind::Sepa => "sepa-credit-transfer",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            PaymentFileKind::Sepa => "xml",
            _ => "csv",
        }
    }
}

/// PayPal takes at most this many rows in one payment file.
pub const PAYPAL_ROWS_PER_FILE: usize = PaymentFileKind::Paypal.rows_per_file();

/// Payment files and what was left out of them.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentFiles {
    pub files: Vec<String>,
    /// The payout numbers in the files.
    pub payouts: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// What the owner still has to do with the files, if anything.
    pub notes: Vec<String>,
}

/// Who a payment goes to, as a file needs it.
enum Payee {
    Wallet {
        wallet: &'static str,
        handle: String,
    },
    Iban {
        holder: String,
        iban: String,
        bic: Option<String>,
    },
    UsBank {
        holder: String,
        routing: String,
        account: String,
    },
}

/// One payout in a payment file.
struct Line {
    number: String,
    amount: Money,
    note: String,
    payee: Payee,
}

/// The payee of a payout paid to `account` in a file of `kind`, or why it cannot be.
fn payee(kind: PaymentFileKind, amount: Money, account: AccountDetails) -> Result<Payee, Refusal> {
    match (kind, account) {
        (
            PaymentFileKind::Paypal,
            AccountDetails::Digital {
                provider: Provider::Paypal,
                handle,
                ..
            },
        ) => Ok(Payee::Wallet {
            wallet: "PAYPAL",
            handle,
        }),
        (
            PaymentFileKind::Paypal,
            AccountDetails::Digital {
                provider: Provider::Venmo,
                handle,
                handle_kind,
            },
        ) => Ok(Payee::Wallet {
            wallet: "VENMO",
            handle: match handle_kind {
                HandleKind::Username => handle.trim_start_matches('@').to_owned(),
                _ => handle,
            },
        }),
        (PaymentFileKind::Paypal, _) => Err(Refusal::NotAWallet),
        (_, AccountDetails::Digital { provider, .. }) => {
            Err(Refusal::NotABankAccount(provider.label()))
        }
        (PaymentFileKind::Sepa, _) if amount.currency().code() != "EUR" => {
            Err(Refusal::NotInEuro(amount.currency().code()))
        }
        (
            _,
            AccountDetails::Bank {
                holder_name,
                iban: Some(iban),
                bic,
                ..
            },
        ) => Ok(Payee::Iban {
            holder: holder_name,
            iban,
            bic,
        }),
        (
            PaymentFileKind::Wise,
            AccountDetails::Bank {
                holder_name,
                routing_number: Some(routing),
                account_number: Some(account),
                ..
            },
        ) if amount.currency().code() == "USD" => Ok(Payee::UsBank {
            holder: holder_name,
            routing,
            account,
        }),
        (PaymentFileKind::Wise, _) => Err(Refusal::NoWiseBankDetails),
        (PaymentFileKind::Sepa, _) => Err(Refusal::NoIban),
    }
}

impl Ledger {
    /// Payment files of `kind` for the Pending payouts of `ids`: one file per currency (and
    /// more when a currency has more rows than the provider takes), written into `dir`. A SEPA
    /// file pays from the owner's own account (see [`Ledger::owner_account`]). With
    /// `mark_on_process`, the payouts in the files move to On Process in the same audited batch.
    pub async fn payment_files(
        &self,
        origin: &Origin,
        kind: PaymentFileKind,
        ids: &[PayoutId],
        dir: &Path,
        mark_on_process: bool,
    ) -> Result<PaymentFiles> {
        if ids.is_empty() {
            return Err(Error::validation("ids", "Select the payouts to pay."));
        }
        let owner = match kind {
            PaymentFileKind::Sepa => Some(self.owner_account().await?.ok_or_else(|| {
                Error::validation(
                    "owner",
                    "Give your own bank account first: a SEPA file says which account pays.",
                )
            })?),
            _ => None,
        };
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut found = self.payouts_with_accounts(&ids).await?;
        let mut by_currency: BTreeMap<&'static str, Vec<Line>> = BTreeMap::new();
        let (mut included, mut skipped) = (Vec::new(), Vec::new());
        for &id in &ids {
            let Some((p, account)) = found.remove(&id) else {
                skipped.push(Skipped::new(id, Refusal::NoSuchPayout(id)));
                continue;
            };
            if p.status != PayoutStatus::Pending {
                skipped.push(Skipped::new(id, Refusal::NotPending(p.status)));
                continue;
            }
            let payee = match payee(kind, p.amount, account) {
                Ok(payee) => payee,
                Err(refusal) => {
                    skipped.push(Skipped::new(id, refusal));
                    continue;
                }
            };
            let note = if p.description.is_empty() {
                format!("Cashback {}", p.number)
            } else {
                p.description.replace(['\r', '\n'], " ")
            };
            by_currency
                .entry(p.amount.currency().code())
                .or_default()
                .push(Line {
                    number: p.number.clone(),
                    amount: p.amount,
                    note,
                    payee,
                });
            included.push((id, p.number));
        }
        let mut notes = Vec::new();
        if included.is_empty() {
            return Ok(PaymentFiles {
                files: Vec::new(),
                payouts: Vec::new(),
                skipped,
                notes,
            });
        }
        if kind == PaymentFileKind::Wise
            && by_currency
                .values()
                .flatten()
                .any(|l| matches!(l.payee, Payee::UsBank { .. }))
        {
            notes.push(
                "Wise asks for the address and account type (checking or savings) of US bank \
                 recipients: the book keeps neither, so fill those columns in before uploading."
                    .into(),
            );
        }

        let day = origin.at.format("%Y%m%d");
        let mut files = Vec::new();
        let mut pending = Vec::new();
        for (currency, lines) in &by_currency {
            let parts = lines.len().div_ceil(kind.rows_per_file());
            for (k, chunk) in lines.chunks(kind.rows_per_file()).enumerate() {
                let part = if parts == 1 {
                    String::new()
                } else {
                    format!("-{}-of-{parts}", k + 1)
                };
                let name = format!(
                    "{}-{day}-{currency}{part}.{}",
                    kind.file_stem(),
                    kind.extension()
                );
                let target = dir.join(name);
                if target.exists() {
                    return Err(Error::Conflict(format!(
                        "{} already exists; a payment file is never overwritten. Move it, or choose another folder.",
                        target.display()
                    )));
                }
                let (atomic, mut out) = AtomicFile::create(&target)?;
                match kind {
                    PaymentFileKind::Paypal => write_paypal(&mut out, chunk, &target)?,
                    PaymentFileKind::Wise => write_wise(&mut out, chunk, &target)?,
                    PaymentFileKind::Sepa => {
                        let owner = owner.as_ref().expect("checked above");
                        let id =
                            format!("INCENTISE-{}-{}", origin.at.format("%Y%m%d%H%M%S"), k + 1);
                        let xml = sepa::document(&id, origin, owner, chunk);
                        out.write_all(xml.as_bytes())
                            .map_err(|e| io_error("write", &target, e))?;
                    }
                }
                pending.push((atomic, out));
                files.push(target.display().to_string());
            }
        }

        let bulk = Origin {
            source: Source::Bulk,
            ..origin.clone()
        };
        let mut tx = self.begin_write(&bulk).await?;
        let diff = Diff::new().created("files", &files).created(
            "payouts",
            included.iter().map(|(_, n)| n).collect::<Vec<_>>(),
        );
        tx.record(Event {
            action: Action::Export,
            record: Record::Book,
            diff,
            note: &format!("{} payment files written.", kind.label()),
        })
        .await?;
        if mark_on_process {
            let change = StatusChange {
                status: PayoutStatus::OnProcess,
                external_reference: String::new(),
                note: format!("Exported in a {} file.", kind.label()),
            }
            .clean()?;
            for (id, number) in &included {
                let now = current(tx.conn(), *id)
                    .await?
                    .ok_or_else(|| crate::payouts::not_found(*id))?;
                if let Err(refusal) = apply(&mut tx, &now, &change).await? {
                    return Err(Error::Conflict(format!(
                        "{number} changed meanwhile: {refusal}"
                    )));
                }
            }
        }
        let mut renamed = Vec::new();
        let undo = |renamed: &[std::path::PathBuf]| {
            for done in renamed {
                let _ = std::fs::remove_file(done);
            }
        };
        for (atomic, out) in pending {
            let target = atomic.target.clone();
            if let Err(err) = atomic.finish(out) {
                undo(&renamed);
                return Err(err);
            }
            renamed.push(target);
        }
        if let Err(err) = tx.commit().await {
            undo(&renamed);
            return Err(err);
        }
        Ok(PaymentFiles {
            files,
            payouts: included.into_iter().map(|(_, n)| n).collect(),
            skipped,
            notes,
        })
    }
}

/// PayPal's template: no header; recipient, amount, currency, customer id, note, wallet.
fn write_paypal(out: &mut BufWriter<File>, lines: &[Line], target: &Path) -> Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    for l in lines {
        let Payee::Wallet { wallet, handle } = &l.payee else {
            unreachable!("a PayPal file holds wallets only")
        };
        let note: String = l.note.chars().take(400).collect();
        csv.write_record([
            handle.as_str(),
            &l.amount.amount_text(),
            l.amount.currency().code(),
            &l.number,
            &neutralise(&note),
            wallet,
        ])
        .map_err(|e| csv_error(target, e))?;
    }
    csv.flush().map_err(|e| io_error("write", target, e))
}

/// Wise's "send to bank accounts" template: the common columns, then the bank columns the
/// file's payees need (IBAN; or ABA routing, account number, account type and address for US
/// accounts). The recipient gets the exact amount (`amountCurrency` = target) and the payment
/// reference is the payout number.
fn write_wise(out: &mut BufWriter<File>, lines: &[Line], target: &Path) -> Result<()> {
    const COMMON: [&str; 8] = [
        "name",
        "recipientEmail",
        "paymentReference",
        "receiverType",
        "amountCurrency",
        "amount",
        "sourceCurrency",
        "targetCurrency",
    ];
    const US: [&str; 8] = [
        "abartn",
        "accountNumber",
        "accountType",
        "addressCountryCode",
        "addressCity",
        "addressFirstLine",
        "addressState",
        "addressPostCode",
    ];
    let any_iban = lines.iter().any(|l| matches!(l.payee, Payee::Iban { .. }));
    let any_us = lines
        .iter()
        .any(|l| matches!(l.payee, Payee::UsBank { .. }));
    let mut header: Vec<&str> = COMMON.to_vec();
    if any_iban {
        header.push("IBAN");
    }
    if any_us {
        header.extend(US);
    }
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(&header)
        .map_err(|e| csv_error(target, e))?;
    for l in lines {
        let code = l.amount.currency().code();
        let (holder, iban, us) = match &l.payee {
            Payee::Iban { holder, iban, .. } => (holder, iban.as_str(), None),
            Payee::UsBank {
                holder,
                routing,
                account,
            } => (holder, "", Some((routing, account))),
            Payee::Wallet { .. } => unreachable!("a Wise file holds bank accounts only"),
        };
        let mut row: Vec<String> = vec![
            neutralise(holder).into_owned(),
            String::new(),
            l.number.clone(),
            "PERSON".into(),
            "target".into(),
            l.amount.amount_text(),
            code.into(),
            code.into(),
        ];
        if any_iban {
            row.push(iban.into());
        }
        if any_us {
            let (routing, account) = us.map_or(("", ""), |(r, a)| (r.as_str(), a.as_str()));
            row.extend([routing.into(), account.into()]);
            row.extend(std::iter::repeat_n(String::new(), US.len() - 2));
        }
        csv.write_record(&row).map_err(|e| csv_error(target, e))?;
    }
    csv.flush().map_err(|e| io_error("write", target, e))
}

/// SEPA credit transfer initiation, pain.001.001.03 with the EPC's rules for SEPA.
mod sepa {
    use std::fmt::Write;

    use super::{Line, Payee};
    use crate::audit::Origin;
    use crate::settings::OwnerAccount;

    /// `text` in the SEPA character set (Latin letters, digits, space and `/ - ? : ( ) . , ' +`):
    /// accented letters lose their accents (ß becomes ss), `&` becomes `+`, anything else a
    /// space; runs of spaces collapse; at most `max` characters.
    pub fn transliterate(text: &str, max: usize) -> String {
        let ascii = deunicode::deunicode(text);
        let mut out = String::with_capacity(ascii.len());
        for c in ascii.chars() {
            let c = match c {
                'a'..='z'
                | 'A'..='Z'
                | '0'..='9'
                | '/'
                | '-'
                | '?'
                | ':'
                | '('
                | ')'
                | '.'
                | ','
                | '\''
                | '+' => c,
                '&' => '+',
                _ => ' ',
            };
            if c != ' ' || !out.ends_with(' ') && !out.is_empty() {
                out.push(c);
            }
        }
        out.trim_end()
            .chars()
            .take(max)
            .collect::<String>()
            .trim_end()
            .to_owned()
    }

    fn or(text: String, otherwise: &str) -> String {
        if text.is_empty() {
            otherwise.to_owned()
        } else {
            text
        }
    }

    /// The whole document for `lines`, paid from `owner` on the day of `origin`.
    pub fn document(id: &str, origin: &Origin, owner: &OwnerAccount, lines: &[Line]) -> String {
        let count = lines.len();
        let total: i64 = lines.iter().map(|l| l.amount.minor()).sum();
        let sum = crate::money::Money::from_minor(total, lines[0].amount.currency()).amount_text();
        let owner_name = or(transliterate(&owner.name, 70), "NOTPROVIDED");
        let agent = if owner.bic.is_empty() {
            "<Othr><Id>NOTPROVIDED</Id></Othr>".to_owned()
        } else {
            format!("<BIC>{}</BIC>", owner.bic)
        };
        let mut xml = String::with_capacity(600 + 500 * count);
        let _ = write!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>{id}</MsgId>
      <CreDtTm>{created}</CreDtTm>
      <NbOfTxs>{count}</NbOfTxs>
      <CtrlSum>{sum}</CtrlSum>
      <InitgPty><Nm>{owner_name}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>{id}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>{count}</NbOfTxs>
      <CtrlSum>{sum}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>{day}</ReqdExctnDt>
      <Dbtr><Nm>{owner_name}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId>{agent}</FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
"#,
            created = origin.at.format("%Y-%m-%dT%H:%M:%S"),
            day = origin.at.format("%Y-%m-%d"),
            iban = owner.iban,
        );
        for l in lines {
            let Payee::Iban { holder, iban, bic } = &l.payee else {
                unreachable!("a SEPA file holds IBAN accounts only")
            };
            let creditor_agent = bic
                .as_ref()
                .map(|bic| {
                    format!(
                        "\n        <CdtrAgt><FinInstnId><BIC>{bic}</BIC></FinInstnId></CdtrAgt>"
                    )
                })
                .unwrap_or_default();
            let _ = write!(
                xml,
                r#"      <CdtTrfTxInf>
        <PmtId><EndToEndId>{number}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>{creditor_agent}
        <Cdtr><Nm>{name}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>{note}</Ustrd></RmtInf>
      </CdtTrfTxInf>
"#,
                number = l.number,
                amount = l.amount.amount_text(),
                name = or(transliterate(holder, 70), "NOTPROVIDED"),
                note = or(transliterate(&l.note, 140), &l.number),
            );
        }
        xml.push_str("    </PmtInf>\n  </CstmrCdtTrfInitn>\n</Document>\n");
        xml
    }
}

pub use sepa::transliterate as sepa_text;
