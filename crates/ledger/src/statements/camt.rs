//! ISO 20022 bank-to-customer statements (camt.053), as banks offer them for download.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::amount::{read_amount, DecimalMark};
use super::fields::{payout_number, statement_text};
use super::{bad_file, LineKind, ParsedLine};
use crate::error::Result;
use crate::money::{Currency, Money};

/// One entry (`Ntry`) of a camt.053 statement, or one of its transactions (`TxDtls`).
#[derive(Default, Clone)]
struct CamtItem {
    amount: String,
    currency: String,
    credit: Option<bool>,
    booked: String,
    bank_reference: String,
    end_to_end: String,
    creditor: String,
    debtor: String,
    remittance: String,
    returned: bool,
}

/// Reads an ISO 20022 camt.053 statement (any version): each entry, or each transaction of a
/// batch entry, becomes a line; `EndToEndId` carries the payout id back, `AcctSvcrRef` is the
/// bank's reference, `CdtDbtInd` the sign, `RtrInf` or a reversal marks a return.
pub fn parse_camt053(bytes: &[u8]) -> Result<Vec<ParsedLine>> {
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
                                ..t.clone()
                            })
                            .collect()
                    };
                    let batch = items.len() > 1;
                    for item in items {
                        let line = camt_line(&item, entries, batch)?;
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
    if lines.is_empty() {
        return Err(bad_file("The statement has no entries."));
    }
    Ok(lines)
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
        (_, "CdtDbtInd") => item.credit = Some(value == "CRDT"),
        ("BookgDt", "Dt" | "DtTm") => entry.booked = value.chars().take(10).collect(),
        (_, "AcctSvcrRef") => item.bank_reference = value,
        (_, "EndToEndId") => item.end_to_end = value,
        (_, "Nm") if within("Cdtr") => item.creditor = value,
        (_, "Nm") if within("Dbtr") => item.debtor = value,
        (_, "Ustrd") => item.remittance = value,
        (_, "RvslInd") if value == "true" => item.returned = true,
        _ => {}
    }
}

fn camt_line(item: &CamtItem, entry: i64, batch: bool) -> Result<ParsedLine> {
    let code = item.currency.to_uppercase();
    let currency = Currency::from_code(&code).ok_or_else(|| {
        bad_file(format!(
            "Entry {entry}: {code:?} is not an ISO 4217 currency."
        ))
    })?;
    // ISO 20022 amounts are XML decimals: a point, no grouping, no sign.
    let money = read_amount(&item.amount, DecimalMark::Point, currency)
        .ok()
        .filter(|m| m.minor() >= 0 && !item.amount.contains([',', ' ', '-']))
        .ok_or_else(|| {
            bad_file(format!(
                "Entry {entry}: {:?} is not an amount in {code}.",
                item.amount
            ))
        })?;
    let credit = item
        .credit
        .ok_or_else(|| bad_file(format!("Entry {entry} has no CdtDbtInd.")))?;
    let amount = Money::from_minor(
        if credit {
            money.minor().abs()
        } else {
            -money.minor().abs()
        },
        currency,
    );
    let booked_on = NaiveDate::parse_from_str(&item.booked, "%Y-%m-%d")
        .map_err(|_| bad_file(format!("Entry {entry} has no booking date.")))?;
    let reference = match (item.bank_reference.as_str(), item.end_to_end.as_str()) {
        ("", "") | ("", "NOTPROVIDED") => {
            return Err(bad_file(format!(
                "Entry {entry} has no AcctSvcrRef or EndToEndId to recognise it by."
            )))
        }
        ("", e2e) => e2e.to_owned(),
        (bank, _) => bank.to_owned(),
    };
    let fingerprint = if batch {
        format!("camt:{reference}:{}", item.end_to_end)
    } else {
        format!("camt:{reference}")
    };
    let kind = match (credit, item.returned) {
        (false, false) => LineKind::Payment,
        (true, true) => LineKind::Return,
        (true, false) if payout_number(&item.end_to_end).is_some() => LineKind::Return,
        _ => LineKind::Other,
    };
    Ok(ParsedLine {
        line_no: entry,
        fingerprint,
        booked_on,
        amount,
        counterparty: if credit {
            item.debtor.clone()
        } else {
            item.creditor.clone()
        },
        payout_reference: payout_number(&item.end_to_end)
            .or_else(|| payout_number(&item.remittance)),
        provider_reference: reference.chars().take(100).collect(),
        kind,
        description: item.remittance.clone(),
    })
}
