//! SEPA credit transfer initiation, pain.001.001.03 with the EPC's rules for SEPA: euro
//! payouts to IBAN accounts, paid from the owner's own account, text in the SEPA character
//! set, the payout number as each transfer's EndToEndId.

use std::fmt::Write as _;
use std::path::Path;

use super::{Format, Line, Part, PaymentFileKind};
use crate::accounts::AccountDetails;
use crate::audit::Origin;
use crate::error::Result;
use crate::money::Money;
use crate::refusal::Refusal;
use crate::settings::OwnerAccount;

/// A SEPA file paid from `owner`.
pub(super) struct Sepa {
    pub(super) owner: OwnerAccount,
}

/// An IBAN account and its holder, with the bank's BIC when known.
pub(super) struct Creditor {
    holder: String,
    iban: String,
    bic: Option<String>,
    /// A BIC kept on the account from before BICs were checked, which the SEPA schema would
    /// refuse: left out of the file (the IBAN finds the bank) and named in the notes.
    dropped_bic: Option<String>,
}

/// The countries whose IBANs SEPA credit transfers reach (the EPC's list of the schemes'
/// geographical scope): the EU, Iceland, Liechtenstein, Norway, Switzerland, the United
/// Kingdom, Monaco, San Marino, Vatican City, Andorra, Gibraltar, and since 2025 Albania,
/// Moldova, Montenegro and North Macedonia. Overseas territories that are in it bank with
/// their country's IBANs (FR for Réunion, FI for Åland, GB for Jersey).
const SEPA_COUNTRIES: [&str; 41] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH", "GB",
    "MC", "SM", "VA", "AD", "GI", "AL", "MD", "ME", "MK",
];

/// The most one SEPA credit transfer may carry (the EPC rulebook's 999,999,999.99 EUR).
const MOST_MINOR: i64 = 99_999_999_999;

impl Format for Sepa {
    const KIND: PaymentFileKind = PaymentFileKind::Sepa;
    type Payee = Creditor;

    fn payee(&self, amount: Money, account: AccountDetails) -> Result<Creditor, Refusal> {
        match account {
            AccountDetails::Digital { provider, .. } => {
                Err(Refusal::NotABankAccount(provider.label()))
            }
            _ if amount.currency().code() != "EUR" => {
                Err(Refusal::NotInEuro(amount.currency().code()))
            }
            _ if amount.minor() > MOST_MINOR => Err(Refusal::AboveSepaMaximum),
            AccountDetails::Bank {
                iban: Some(iban), ..
            } if !SEPA_COUNTRIES.contains(&&iban[..2]) => {
                Err(Refusal::NotSepaCountry(iban[..2].to_owned()))
            }
            AccountDetails::Bank {
                holder_name,
                iban: Some(iban),
                bic,
                ..
            } => {
                let (bic, dropped_bic) = match bic {
                    Some(bic) if crate::validate::bic(&bic).is_err() => (None, Some(bic)),
                    bic => (bic, None),
                };
                Ok(Creditor {
                    holder: holder_name,
                    iban,
                    bic,
                    dropped_bic,
                })
            }
            AccountDetails::Bank { .. } => Err(Refusal::NoIban),
        }
    }

    fn notes(&self, lines: &[&Line<Creditor>]) -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| {
                l.payee.dropped_bic.as_ref().map(|bic| {
                    format!(
                        "{}: its account's BIC {bic} is not one the SEPA schema accepts, so the file leaves it out (the bank finds the account by its IBAN). Correct the BIC on the customer's account.",
                        l.number
                    )
                })
            })
            .collect()
    }

    /// MsgId and PmtInfId (at most 35 characters): the app, the second it was written, the
    /// file's number in the batch and a random tag, so two batches in one second differ.
    fn batch_id(&self, part: &Part<'_>) -> Option<String> {
        Some(format!(
            "INCENTISE-{}-{}-{}",
            part.origin.at.format("%Y%m%d%H%M%S"),
            part.index,
            part.tag
        ))
    }

    fn write(
        &self,
        out: &mut Vec<u8>,
        lines: &[Line<Creditor>],
        part: &Part<'_>,
        _target: &Path,
    ) -> Result<()> {
        let id = self.batch_id(part).expect("a SEPA file names itself");
        out.extend_from_slice(document(&id, part.origin, &self.owner, lines).as_bytes());
        Ok(())
    }
}

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
fn document(id: &str, origin: &Origin, owner: &OwnerAccount, lines: &[Line<Creditor>]) -> String {
    let count = lines.len();
    let total: i64 = lines.iter().map(|l| l.amount.minor()).sum();
    let sum = Money::from_minor(total, lines[0].amount.currency()).amount_text();
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
        let Creditor {
            holder, iban, bic, ..
        } = &l.payee;
        let creditor_agent = bic
            .as_ref()
            .map(|bic| {
                format!("\n        <CdtrAgt><FinInstnId><BIC>{bic}</BIC></FinInstnId></CdtrAgt>")
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
