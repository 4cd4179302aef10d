//! ISO 20022 bank-to-customer statements (camt.053), as banks offer them for download.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::amount::{read_amount, DecimalMark};
use super::fields::{payout_number, statement_text};
use super::names::same_recipient;
use super::{bad_file, LineKind, ParsedLine, ReferenceSource, Statement, Unreadable};
use crate::error::Result;
use crate::lifecycle::FailureReason;
use crate::money::{Currency, Money};

/// One entry (`Ntry`) of a camt.053 statement, or one of its transactions (`TxDtls`).
#[derive(Default, Clone)]
struct CamtItem {
    amount: String,
    currency: String,
    credit: Option<bool>,
    /// The booking date (`Dt`) or date and time (`DtTm`), as written.
    booked: String,
    bank_reference: String,
    end_to_end: String,
    creditor: String,
    debtor: String,
    remittance: String,
    returned: bool,
    /// A return's ISO 20022 reason code (`RtrInf/Rsn/Cd`: AC04, MD07).
    return_code: String,
    /// The entry's `NtryRef`, or a transaction's `TxId` / `InstrId`: what else knows it.
    other_reference: String,
    /// The entry's status (`BOOK`, `PDNG`, `INFO`); empty in versions that leave it out.
    status: String,
    /// The entry's charges (`Chrgs`): what the bank kept or took.
    charges: String,
    /// The payment file a collective entry books (`Btch` or `Refs`: PmtInfId, else MsgId).
    batch: String,
}

impl CamtItem {
    /// The booking day, `YYYY-MM-DD`, of a `Dt` or a `DtTm`.
    fn booking_day(&self) -> &str {
        self.booked.get(..10).unwrap_or(&self.booked)
    }
}

/// Reads an ISO 20022 camt.053 statement (any version): each entry, or each transaction of a
/// batch entry, becomes a line; `EndToEndId` carries the payout id back, `AcctSvcrRef` is the
/// bank's reference, `CdtDbtInd` the sign, `RtrInf` or a reversal marks a return.
pub fn parse_camt053(bytes: &[u8]) -> Result<Statement> {
    use quick_xml::events::Event as Xml;
    let text = statement_text(
        bytes,
        "CAMT.053 statements are UTF-8, so this is probably not one.",
    )?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    // An element's text, which entity references split into several events.
    let mut buffer = String::new();
    let (mut entry, mut tx) = (CamtItem::default(), CamtItem::default());
    let mut txs: Vec<CamtItem> = Vec::new();
    let mut in_tx = false;
    let mut saw_statement = false;
    let mut entries = 0;
    let mut lines = Vec::new();
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut owner = String::new();
    let mut unreadable = Vec::new();
    // Entries the bank gave no reference, known by their content and how often it occurred.
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            bad_file(format!(
                "The XML is damaged near byte {}: {e}. The file may be cut short.",
                reader.buffer_position()
            ))
        })?;
        match event {
            Xml::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                match name.as_str() {
                    "BkToCstmrStmt" => saw_statement = true,
                    "Ntry" => {
                        entry = CamtItem::default();
                        txs.clear();
                    }
                    "TxDtls" => {
                        tx = CamtItem::default();
                        in_tx = true;
                    }
                    "RtrInf" => {
                        if in_tx {
                            tx.returned = true
                        } else {
                            entry.returned = true
                        }
                    }
                    _ => {}
                }
                let currency = e.try_get_attribute("Ccy").ok().flatten().and_then(|a| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()
                        .map(|v| v.into_owned())
                });
                if let Some(ccy) = currency {
                    let item = if in_tx { &mut tx } else { &mut entry };
                    if name == "Amt"
                        && (item.currency.is_empty()
                            || path
                                .last()
                                .is_some_and(|p| p == "Ntry" || p == "TxAmt" || p == "TxDtls"))
                    {
                        item.currency = ccy;
                    }
                }
                path.push(name);
                buffer.clear();
            }
            Xml::Text(t) => buffer.push_str(&t.xml10_content()),
            Xml::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                buffer.extend(resolved);
            }
            Xml::End(e) => {
                let name = e.local_name().as_ref().to_owned();
                let value = std::mem::take(&mut buffer).trim().to_owned();
                if !value.is_empty() {
                    // The account's owner, to tell the other party of each entry.
                    let owner_name = path.iter().any(|p| p == "Ownr")
                        && path.iter().any(|p| p == "Acct")
                        && !path.iter().any(|p| p == "Ntry")
                        && path.last().is_some_and(|p| p == "Nm");
                    if owner_name {
                        owner = value.clone();
                    }
                    camt_text(&path, &value, in_tx, &mut entry, &mut tx);
                }
                path.pop();
                if name == "TxDtls" {
                    txs.push(std::mem::take(&mut tx));
                    in_tx = false;
                } else if name == "Ntry" {
                    entries += 1;
                    let items: Vec<CamtItem> = if txs.is_empty() {
                        vec![entry.clone()]
                    } else {
                        let single = txs.len() == 1;
                        txs.iter()
                            .map(|t| CamtItem {
                                amount: if t.amount.is_empty() && single {
                                    entry.amount.clone()
                                } else {
                                    t.amount.clone()
                                },
                                currency: if t.currency.is_empty() {
                                    entry.currency.clone()
                                } else {
                                    t.currency.clone()
                                },
                                credit: entry.credit,
                                booked: entry.booked.clone(),
                                bank_reference: if t.bank_reference.is_empty() {
                                    entry.bank_reference.clone()
                                } else {
                                    t.bank_reference.clone()
                                },
                                returned: t.returned || entry.returned,
                                return_code: if t.return_code.is_empty() {
                                    entry.return_code.clone()
                                } else {
                                    t.return_code.clone()
                                },
                                other_reference: if t.other_reference.is_empty() {
                                    entry.other_reference.clone()
                                } else {
                                    t.other_reference.clone()
                                },
                                status: entry.status.clone(),
                                batch: if t.batch.is_empty() && single {
                                    entry.batch.clone()
                                } else {
                                    t.batch.clone()
                                },
                                // The entry's charges belong to a transfer only when it is alone.
                                charges: if !t.charges.is_empty() {
                                    t.charges.clone()
                                } else if single {
                                    entry.charges.clone()
                                } else {
                                    String::new()
                                },
                                ..t.clone()
                            })
                            .collect()
                    };
                    let batch = items.len() > 1;
                    for (position, item) in items.into_iter().enumerate() {
                        let occurrence = {
                            let n = occurrences.entry(content_key(&item)).or_insert(0);
                            *n += 1;
                            *n
                        };
                        let line = match camt_line(
                            &item,
                            entries,
                            batch.then_some(position),
                            occurrence,
                            &owner,
                        ) {
                            Ok(line) => line,
                            Err(reason) => {
                                unreadable.push(Unreadable {
                                    line_no: entries,
                                    reason,
                                });
                                continue;
                            }
                        };
                        if let Some(first) = seen.insert(line.fingerprint.clone(), entries) {
                            return Err(bad_file(format!(
                                "Entry {entries} repeats the transaction of entry {first} ({}); the file looks damaged. Nothing was imported.",
                                line.provider_reference
                            )));
                        }
                        lines.push(line);
                    }
                }
            }
            Xml::Eof if path.is_empty() => break,
            Xml::Eof => {
                return Err(bad_file(format!(
                    "The file ends inside <{}>: it is cut short. Nothing was imported.",
                    path.last().map(String::as_str).unwrap_or("")
                )))
            }
            _ => {}
        }
    }
    if !saw_statement {
        return Err(bad_file(
            "This is not a CAMT.053 statement: it has no BkToCstmrStmt element.",
        ));
    }
    if lines.is_empty() && unreadable.is_empty() {
        return Err(bad_file("The statement has no entries."));
    }
    Statement { lines, unreadable }.checked()
}

/// Files the text of the element at the end of `path` into the entry or transaction.
fn camt_text(path: &[String], value: &str, in_tx: bool, entry: &mut CamtItem, tx: &mut CamtItem) {
    let last = path.last().map(String::as_str).unwrap_or("");
    let parent = path.iter().rev().nth(1).map(String::as_str).unwrap_or("");
    let within = |name: &str| path.iter().any(|p| p == name);
    if !within("Ntry") {
        return;
    }
    let value = value.to_owned();
    let item = if in_tx { tx } else { &mut *entry };
    match (parent, last) {
        ("Ntry" | "TxAmt", "Amt") => item.amount = value,
        ("TxDtls", "Amt") if item.amount.is_empty() => item.amount = value,
        // The entry's (or transaction's) own direction; a CdtDbtInd under Chrgs or AmtDtls
        // is a charge's, not the money's.
        ("Ntry" | "TxDtls", "CdtDbtInd") => item.credit = Some(value == "CRDT"),
        ("Ntry", "Sts") | ("Sts", "Cd") if !in_tx => entry.status = value,
        ("Ntry", "NtryRef") => entry.other_reference = value,
        // The total, or else the first record's amount (versions differ).
        ("Chrgs", "TtlChrgsAndTaxAmt" | "Amt") if item.charges.is_empty() => item.charges = value,
        ("Rcrd", "Amt") if within("Chrgs") && item.charges.is_empty() => item.charges = value,
        ("Refs", "TxId" | "InstrId") if item.other_reference.is_empty() => {
            item.other_reference = value
        }
        ("BookgDt", "Dt" | "DtTm") => entry.booked = value,
        // The payment file a collective entry books: its PmtInfId, else its MsgId.
        ("Btch" | "Refs", "PmtInfId") => item.batch = value,
        ("Btch" | "Refs", "MsgId") if item.batch.is_empty() => item.batch = value,
        (_, "AcctSvcrRef") => item.bank_reference = value,
        (_, "EndToEndId") => item.end_to_end = value,
        (_, "Nm") if within("Cdtr") => item.creditor = value,
        (_, "Nm") if within("Dbtr") => item.debtor = value,
        (_, "Ustrd") => item.remittance = value,
        (_, "RvslInd") if value == "true" => item.returned = true,
        ("Rsn", "Cd") if within("RtrInf") => item.return_code = value,
        _ => {}
    }
}

/// What an entry without any reference is known by: its content.
fn content_key(item: &CamtItem) -> String {
    format!(
        "{}|{}|{}|{:?}|{}|{}|{}|{}",
        item.booking_day(),
        item.amount,
        item.currency,
        item.credit,
        item.creditor,
        item.debtor,
        item.end_to_end,
        item.remittance
    )
}

/// The other party of an entry: who was paid (money out) or who paid (money in), whichever of
/// the two named parties is not the account's `owner` (banks differ in how they orient a
/// return: some keep the original creditor as creditor, some swap the parties).
fn counterparty(item: &CamtItem, credit: bool, owner: &str) -> String {
    let (usual, other) = if credit {
        (&item.debtor, &item.creditor)
    } else {
        (&item.creditor, &item.debtor)
    };
    if !other.is_empty() && (usual.is_empty() || same_recipient(usual, owner)) {
        other.clone()
    } else {
        usual.clone()
    }
}

/// The line of `item`, from entry `entry`; `batch` is its place in a batch entry, and
/// `occurrence` how often its content came so far (for entries known by content alone). `Err`
/// says why the entry cannot be read.
fn camt_line(
    item: &CamtItem,
    entry: i64,
    batch: Option<usize>,
    occurrence: usize,
    owner: &str,
) -> std::result::Result<ParsedLine, String> {
    let code = item.currency.to_uppercase();
    let currency = Currency::from_code(&code)
        .ok_or_else(|| format!("{code:?} is not an ISO 4217 currency"))?;
    // ISO 20022 amounts are XML decimals: a point, no grouping, no sign.
    let money = read_amount(&item.amount, DecimalMark::Point, currency)
        .ok()
        .filter(|m| m.minor() >= 0 && !item.amount.contains([',', ' ', '-']))
        .ok_or_else(|| format!("{:?} is not an amount in {code}", item.amount))?;
    let credit = item
        .credit
        .ok_or_else(|| "it has no CdtDbtInd (debit or credit)".to_owned())?;
    let amount = Money::from_minor(
        if credit {
            money.minor().abs()
        } else {
            -money.minor().abs()
        },
        currency,
    );
    let booked_on = NaiveDate::parse_from_str(item.booking_day(), "%Y-%m-%d")
        .map_err(|_| "it has no booking date".to_owned())?;
    let end_to_end = match item.end_to_end.as_str() {
        "NOTPROVIDED" => "",
        e2e => e2e,
    };
    // The bank's reference, else the entry's or the transfer's own; an entry with none of them
    // is known by its content and how often that content occurred in the file.
    let known_by = [
        item.bank_reference.as_str(),
        item.other_reference.as_str(),
        end_to_end,
    ]
    .into_iter()
    .find(|r| !r.is_empty());
    let (reference, fingerprint) = match known_by {
        Some(reference) => {
            let fingerprint = match batch {
                // Transfers of one batch entry share its reference; their own ids (or their
                // place in the batch, when the bank writes NOTPROVIDED) tell them apart.
                Some(position) if end_to_end.is_empty() || reference == end_to_end => {
                    format!("camt:{reference}:#{position}")
                }
                Some(_) => format!("camt:{reference}:{end_to_end}"),
                None => format!("camt:{reference}"),
            };
            (reference.to_owned(), fingerprint)
        }
        None => {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(format!("{}|{occurrence}", content_key(item)));
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            (format!("entry {entry}"), format!("camt:content:{hex}"))
        }
    };
    // The EndToEndId is the app's own field (its SEPA file wrote the payout number there); the
    // remittance line is free text.
    let (payout_reference, reference_source) = match payout_number(end_to_end) {
        Some(number) => (Some(number), ReferenceSource::Field),
        None => (payout_number(&item.remittance), ReferenceSource::Text),
    };
    let kind = match (credit, item.returned) {
        (false, false) => LineKind::Payment,
        (true, true) => LineKind::Return,
        (true, false) if reference_source == ReferenceSource::Field => LineKind::Return,
        _ => LineKind::Other,
    };
    Ok(ParsedLine {
        line_no: entry,
        fingerprint,
        booked_on,
        // A time with its offset is an instant; one without is the bank's local time.
        booked_at: DateTime::parse_from_rfc3339(&item.booked)
            .ok()
            .map(|at| at.with_timezone(&Utc)),
        amount,
        counterparty: counterparty(item, credit, owner),
        fee_minor: match item.charges.as_str() {
            "" => 0,
            charges => read_amount(charges, DecimalMark::Point, currency)
                .map_err(|why| format!("its charges {charges:?} are not an amount: {why}"))?
                .minor()
                .abs(),
        },
        payout_reference,
        reference_source,
        provider_reference: reference.chars().take(100).collect(),
        reference_is_id: known_by.is_some(),
        kind,
        description: item.remittance.clone(),
        pending: matches!(item.status.as_str(), "PDNG" | "INFO" | "FUTR"),
        // Only a line that is the whole entry can be a whole payment file.
        batch_reference: (batch.is_none() && !item.batch.is_empty()).then(|| item.batch.clone()),
        return_reason: (kind == LineKind::Return)
            .then(|| FailureReason::of_return_code(&item.return_code)),
        return_code: (kind == LineKind::Return && !item.return_code.is_empty())
            .then(|| item.return_code.chars().take(4).collect()),
    })
}
