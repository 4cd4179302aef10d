//! Telling the customer (issue 14, item 8): a ready message about one payout (what, how much,
//! how, the reference), to copy or to save as an `.eml` e-mail draft that opens in the user's
//! mail program, for one payout or every payout of a payment run.
//!
//! Invariants: read-only; a message shows the account paid to only masked; the `.eml` is a
//! draft (`X-Unsent: 1`) in UTF-8 with its subject encoded as RFC 2047 words, CRLF line
//! endings and quoted-printable text, so every mail client reads it as the app wrote it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audit::{Action, Diff, Event, Origin, Record, WriteTx};
use crate::error::{Error, Result};
use crate::files::{io_error, AtomicFile, Staged};
use crate::ids::{PayoutId, RunId};
use crate::lifecycle::{PaidVia, PayoutStatus};
use crate::money::Money;
use crate::payouts::Payout;
use crate::Ledger;

/// A message to a customer about one payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Who the message is from: the business (the owner's account holder) or the operator.
    pub from: String,
    /// The customer's e-mail address, when the book has one.
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// How it is paid, after "by": the way recorded, else the account's kind (a bank transfer, or
/// the wallet's provider, which the masked account names first: "PayPal · a•••@example.com").
fn via_words(payout: &Payout) -> String {
    match payout.paid_via {
        Some(PaidVia::Paypal) => "PayPal".into(),
        Some(PaidVia::BankTransfer) => "bank transfer".into(),
        Some(PaidVia::Wise) => "Wise".into(),
        Some(PaidVia::Cash) => "cash".into(),
        Some(PaidVia::Other) => "another way".into(),
        None if payout.method == "bank" => "bank transfer".into(),
        None => payout
            .account
            .split(" · ")
            .next()
            .unwrap_or("your wallet")
            .to_owned(),
    }
}

/// The text of the message about `payout`, to `name`, signed by `sender`.
fn compose(payout: &Payout, name: &str, to: Option<String>, sender: &str) -> Message {
    let amount = money(payout.amount);
    let how = via_words(payout);
    let what = match payout.status {
        PayoutStatus::Success => format!(
            "we have paid you {amount} by {how}{}.",
            payout
                .paid_on
                .as_deref()
                .map(|day| format!(" on {day}"))
                .unwrap_or_default()
        ),
        PayoutStatus::OnProcess => {
            format!("we have sent you {amount} by {how}; it should reach you shortly.")
        }
        PayoutStatus::Pending => format!("we will pay you {amount} by {how} shortly."),
        PayoutStatus::Failed => format!(
            "we could not pay you {amount}: the payment came back. Please reply with the payment \
             details we should use."
        ),
        PayoutStatus::Cancelled => format!("the payout of {amount} we had planned is cancelled."),
    };
    let mut lines = vec![
        format!("Hello {name},"),
        String::new(),
        what,
        String::new(),
        format!(
            "Payout: {} (for request {})",
            payout.number, payout.request_number
        ),
        format!("Amount: {amount}"),
        format!("Paid to: {}", payout.account),
    ];
    if let Some(reference) = &payout.external_reference {
        lines.push(format!("Reference: {reference}"));
    }
    if !payout.description.is_empty() {
        lines.push(format!("For: {}", payout.description));
    }
    lines.extend([String::new(), "Thank you,".to_owned(), sender.to_owned()]);
    Message {
        from: sender.to_owned(),
        to,
        subject: format!("Your payout {}: {amount}", payout.number),
        body: lines.join("\n"),
    }
}

/// What [`Ledger::save_run_messages`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunMessages {
    /// The files written.
    pub written: Vec<String>,
    /// The payouts whose customer has no e-mail address.
    pub without_email: Vec<String>,
}

/// Writes each `(target, text)` beside its target, to be placed with the change that records
/// them; refuses if any target exists.
fn staged(files: Vec<(PathBuf, String)>) -> Result<Staged> {
    if let Some((target, _)) = files.iter().find(|(target, _)| target.exists()) {
        return Err(Error::Conflict(format!(
            "{} already exists; nothing was written. Move it, or choose another place.",
            target.display()
        )));
    }
    let mut staged = Vec::with_capacity(files.len());
    for (target, text) in files {
        let (atomic, mut out) = AtomicFile::create(&target)?;
        out.write_all(text.as_bytes())
            .map_err(|e| io_error("write", &target, e))?;
        staged.push((atomic, out));
    }
    Ok(Staged(staged))
}

/// Puts `files` in place and commits `tx`; if either fails, no file is left.
async fn place_and_commit(files: Staged, tx: WriteTx<'_>) -> Result<()> {
    let placed = files.place()?;
    if let Err(err) = tx.commit().await {
        placed.undo();
        return Err(err);
    }
    Ok(())
}

fn money(amount: Money) -> String {
    format!("{} {}", amount.amount_text(), amount.currency().code())
}

impl Message {
    /// The message as an `.eml` draft (RFC 5322 with MIME): opens in a mail client ready to
    /// send.
    pub fn eml(&self, date: chrono::DateTime<chrono::Utc>) -> String {
        let mut out = String::new();
        if let Some(to) = &self.to {
            out.push_str(&format!("To: {}\r\n", header_address(to)));
        }
        out.push_str(&format!("Subject: {}\r\n", encoded_word(&self.subject)));
        out.push_str(&format!("Date: {}\r\n", date.to_rfc2822()));
        out.push_str("X-Unsent: 1\r\n");
        out.push_str("MIME-Version: 1.0\r\n");
        out.push_str("Content-Type: text/plain; charset=utf-8\r\n");
        out.push_str("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        out.push_str(&quoted_printable(&self.body));
        out
    }
}

/// An address as a header carries it: the domain in its ASCII form (IDNA), so `ü@bücher.de`
/// is `ü@xn--bcher-kva.de`. A local part outside ASCII has no ASCII form (RFC 2047 words are
/// not allowed in an address) and stays UTF-8, as RFC 6532 lets a header carry it; mail
/// programs open such drafts.
fn header_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => match idna::domain_to_ascii(domain) {
            Ok(ascii) => format!("{local}@{ascii}"),
            Err(_) => address.to_owned(),
        },
        None => address.to_owned(),
    }
}

/// A header value as RFC 2047 "Q" encoded words when it is not plain ASCII: each word at most
/// 75 characters, never splitting a character, folded onto lines of their own.
fn encoded_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    const OPEN: &str = "=?utf-8?Q?";
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let piece: String = match c {
            ' ' => "_".to_owned(),
            'A'..='Z' | 'a'..='z' | '0'..='9' | '!' | '*' | '+' | '-' | '/' => c.to_string(),
            _ => c
                .encode_utf8(&mut [0; 4])
                .bytes()
                .map(|b| format!("={b:02X}"))
                .collect(),
        };
        if OPEN.len() + word.len() + piece.len() + 2 > 75 {
            words.push(std::mem::take(&mut word));
        }
        word.push_str(&piece);
    }
    words.push(word);
    words
        .iter()
        .map(|w| format!("{OPEN}{w}?="))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Text as quoted-printable (RFC 2045) with CRLF line breaks and soft breaks before 76
/// characters.
fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let mut width = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let plain = (b == b' ' || b == b'\t') && !last || (33..=126).contains(&b) && b != b'=';
            let piece = if plain {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if width + piece.len() > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
        out.push_str("\r\n");
    }
    out
}

impl Ledger {
    /// The message to the customer about payout `id`, signed for the business (see
    /// [`Ledger::sender`]), or else by `origin`'s operator.
    pub async fn payout_message(&self, origin: &Origin, id: PayoutId) -> Result<Message> {
        let payout = self.payout(id).await?;
        let customer = self.customer(payout.customer_id).await?;
        let sender = self.sender(origin).await?;
        Ok(compose(
            &payout,
            &customer.display_name,
            customer.email,
            &sender,
        ))
    }

    /// Saves the message about payout `id` as an `.eml` draft at `target` (never over a file);
    /// audited, as every file the app writes about a customer: the file is in place only when
    /// its event commits.
    pub async fn save_payout_message(
        &self,
        origin: &Origin,
        id: PayoutId,
        target: &Path,
    ) -> Result<()> {
        let message = self.payout_message(origin, id).await?;
        let files = staged(vec![(target.to_owned(), message.eml(origin.at))])?;
        let mut tx = self.begin_write(origin).await?;
        tx.record(Event {
            action: Action::Export,
            record: Record::Payout(id),
            diff: Diff::new().created("file", target.display().to_string()),
            note: "Message to the customer saved.",
        })
        .await?;
        place_and_commit(files, tx).await
    }

    /// Saves a message for each payout of run `id` whose customer has an e-mail address, as
    /// `PO-000012.eml` drafts in `dir`; says which were written and which customers have no
    /// address. All or none, with one audit event for the run.
    pub async fn save_run_messages(
        &self,
        origin: &Origin,
        id: RunId,
        dir: &Path,
    ) -> Result<RunMessages> {
        let payouts: Vec<PayoutId> = sqlx::query_scalar(
            "SELECT payout_id FROM payment_run_payouts WHERE run_id = ? ORDER BY payout_id",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        if payouts.is_empty() {
            return Err(Error::NotFound(format!("There is no payment run {id}.")));
        }
        let mut outcome = RunMessages::default();
        let mut files = Vec::new();
        for payout in payouts {
            let message = self.payout_message(origin, payout).await?;
            if message.to.is_none() {
                outcome.without_email.push(payout.to_string());
                continue;
            }
            let target = dir.join(format!("{payout}.eml"));
            outcome.written.push(target.display().to_string());
            files.push((target, message.eml(origin.at)));
        }
        let files = staged(files)?;
        let mut tx = self.begin_write(origin).await?;
        tx.record(Event {
            action: Action::Export,
            record: Record::PaymentRun(id),
            diff: Diff::new().created("messages", &outcome.written),
            note: "Messages to the customers saved.",
        })
        .await?;
        place_and_commit(files, tx).await?;
        Ok(outcome)
    }

    /// Who signs messages: the business (the owner's account holder), else the operator name
    /// set in Settings, else the one making the change.
    async fn sender(&self, origin: &Origin) -> Result<String> {
        Ok(match self.owner_account().await? {
            Some(owner) => owner.name,
            None => self
                .operator_name()
                .await?
                .unwrap_or_else(|| origin.operator.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_keeps_ascii_and_encodes_the_rest() {
        assert_eq!(
            quoted_printable("Hello Zoë,\nA=B "),
            "Hello Zo=C3=AB,\r\nA=3DB=20\r\n"
        );
        let long = quoted_printable(&"x".repeat(100));
        assert!(long.lines().all(|l| l.len() <= 76), "{long}");
        assert_eq!(long.replace("=\r\n", "").trim_end(), "x".repeat(100));
    }

    #[test]
    fn an_address_has_its_domain_in_ascii() {
        assert_eq!(header_address("zoe@example.se"), "zoe@example.se");
        assert_eq!(header_address("renee@bücher.de"), "renee@xn--bcher-kva.de");
        assert_eq!(header_address("ü@bücher.de"), "ü@xn--bcher-kva.de");
        assert_eq!(header_address("li@例え.jp"), "li@xn--r8jz45g.jp");
    }

    #[test]
    fn a_subject_outside_ascii_is_encoded_words() {
        assert_eq!(encoded_word("Your payout"), "Your payout");
        assert_eq!(encoded_word("Zoë"), "=?utf-8?Q?Zo=C3=AB?=");
        assert_eq!(encoded_word("Für Zoë"), "=?utf-8?Q?F=C3=BCr_Zo=C3=AB?=");
        let long = encoded_word(&"é".repeat(40));
        assert!(
            long.split("\r\n ")
                .all(|w| w.len() <= 75 && w.starts_with("=?utf-8?Q?")),
            "{long}"
        );
    }
}
