//! Provider-ready payment files for the Pending payouts the user selects: PayPal Payouts CSV
//! (PayPal and Venmo wallets), Wise batch CSV ("send to bank accounts") and SEPA credit
//! transfer XML (pain.001.001.03) for euro bank payouts. The app never sends them: the owner
//! uploads them to the provider or their bank. Each format is a [`Format`] of its own, with its
//! own line type, in `paypal.rs`, `wise.rs` and `sepa.rs`.
//!
//! Invariants: every file carries the payout number where the provider sends a reference back
//! (PayPal's customer id, Wise's payment reference, SEPA's EndToEndId), so statements match by
//! it; a payout a file cannot carry is listed with the reason and left out; files are written
//! beside their names and renamed only when the audit event (and the optional move to On
//! Process) is ready to commit; an existing file is never overwritten.

mod paypal;
pub mod runs;
mod sepa;
mod wise;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::accounts::AccountDetails;
use crate::audit::{Origin, Source};
use crate::error::{Error, Result};
use crate::files::{AtomicFile, Staged};
use crate::ids::PayoutId;
use crate::money::Money;
use crate::payouts::status::{currents, Moves};
use crate::payouts::{Payout, PayoutStatus, Skipped, StatusChange};
use crate::refusal::Refusal;
use crate::Ledger;

pub use sepa::transliterate as sepa_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
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

    pub(crate) fn file_stem(self) -> &'static str {
        match self {
            PaymentFileKind::Paypal => "paypal-payouts",
            PaymentFileKind::Wise => "wise-batch",
            PaymentFileKind::Sepa => "sepa-credit-transfer",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            PaymentFileKind::Sepa => "xml",
            PaymentFileKind::Paypal | PaymentFileKind::Wise => "csv",
        }
    }
}

/// PayPal takes at most this many rows in one payment file.
pub const PAYPAL_ROWS_PER_FILE: usize = PaymentFileKind::Paypal.rows_per_file();

/// Payment files and what was left out of them.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentFiles {
    pub files: Vec<String>,
    /// The payment run each file is, in the same order ("RUN-000004").
    pub runs: Vec<String>,
    /// The payout numbers in the files.
    pub payouts: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// What the owner still has to do with the files, if anything.
    pub notes: Vec<String>,
}

/// One payout in a payment file, paid to a payee of the format's own kind.
struct Line<P> {
    number: String,
    amount: Money,
    note: String,
    payee: P,
}

/// Which file of a batch is being written, for formats that name themselves inside.
struct Part<'a> {
    origin: &'a Origin,
    /// 1-based, across the whole batch.
    index: usize,
    /// Random hex digits, the same for every file of the batch: tells batches written in the
    /// same second apart.
    tag: &'a str,
}

/// A payment file format: who it can pay and how it writes them.
trait Format: Sync {
    const KIND: PaymentFileKind;
    /// Who a payment goes to, as this format needs it.
    type Payee: Send;

    /// The payee of a payout of `amount` to `account`, or why this format cannot pay it.
    fn payee(&self, amount: Money, account: AccountDetails) -> Result<Self::Payee, Refusal>;

    /// Writes one file of `lines` (all in one currency) into `out`; `target` names it in
    /// errors.
    fn write(
        &self,
        out: &mut Vec<u8>,
        lines: &[Line<Self::Payee>],
        part: &Part<'_>,
        target: &Path,
    ) -> Result<()>;

    /// What the owner still has to do with files of these lines.
    fn notes(&self, _lines: &[&Line<Self::Payee>]) -> Vec<String> {
        Vec::new()
    }

    /// The id the file names itself by, which a bank's statement carries back when it books
    /// the whole file as one entry (a SEPA file's MsgId and PmtInfId); `None` for formats
    /// without one.
    fn batch_id(&self, _part: &Part<'_>) -> Option<String> {
        None
    }
}

/// A file written, kept as a payment run: its bytes, its payouts, and the id it names itself
/// by, if it does (a collective statement entry carries that id back).
pub(crate) struct WrittenFile {
    pub(crate) name: String,
    pub(crate) folder: String,
    pub(crate) currency: &'static str,
    pub(crate) total_minor: i64,
    pub(crate) payouts: Vec<PayoutId>,
    pub(crate) batch_id: Option<String>,
    pub(crate) bytes: Vec<u8>,
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
        let batch = Batch {
            origin,
            ids,
            dir,
            mark_on_process,
        };
        match kind {
            PaymentFileKind::Paypal => self.write_batch(&paypal::Paypal, batch).await,
            PaymentFileKind::Wise => self.write_batch(&wise::Wise, batch).await,
            PaymentFileKind::Sepa => {
                let owner = self.owner_account().await?.ok_or_else(|| {
                    Error::validation(
                        "owner",
                        "Give your own bank account first: a SEPA file says which account pays.",
                    )
                })?;
                self.write_batch(&sepa::Sepa { owner }, batch).await
            }
        }
    }

    async fn write_batch<F: Format>(&self, format: &F, batch: Batch<'_>) -> Result<PaymentFiles> {
        let Batch {
            origin,
            ids,
            dir,
            mark_on_process,
        } = batch;
        let kind = F::KIND;
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let found = self.payouts_with_accounts(&ids).await?;
        let (by_currency, included, skipped) = lines_by_currency(format, &ids, found);
        if included.is_empty() {
            return Ok(PaymentFiles {
                files: Vec::new(),
                runs: Vec::new(),
                payouts: Vec::new(),
                skipped,
                notes: Vec::new(),
            });
        }
        let notes = format.notes(&by_currency.values().flatten().collect::<Vec<_>>());

        let (files, pending, written) = write_files(format, origin, dir, &by_currency)?;

        let bulk = Origin {
            source: Source::Bulk,
            ..origin.clone()
        };
        let mut tx = self.begin_write(&bulk).await?;
        let mut runs = Vec::with_capacity(written.len());
        for file in &written {
            runs.push(runs::record_run(&mut tx, kind, file).await?.to_string());
        }
        if mark_on_process {
            let change = StatusChange {
                status: PayoutStatus::OnProcess,
                failure_reason: None,
                external_reference: String::new(),
                note: format!("Exported in a {} file.", kind.label()),
                payment: Default::default(),
            }
            .clean(origin.at)?;
            let ids: Vec<PayoutId> = included.iter().map(|(id, _)| *id).collect();
            let mut nows = currents(tx.conn(), &ids).await?;
            let mut moves = Moves::default();
            for (id, number) in &included {
                let now = nows
                    .get_mut(id)
                    .ok_or_else(|| crate::payouts::not_found(*id))?;
                if let Err(refusal) = moves.stage(&mut tx, now, &change).await? {
                    return Err(Error::Conflict(format!(
                        "{number} changed meanwhile: {refusal}"
                    )));
                }
            }
            moves.write(&mut tx).await?;
        }
        let placed = Staged(pending).place()?;
        if let Err(err) = tx.commit().await {
            placed.undo();
            return Err(err);
        }
        self.anchor_quietly("export").await;
        Ok(PaymentFiles {
            files,
            runs,
            payouts: included.into_iter().map(|(_, n)| n).collect(),
            skipped,
            notes,
        })
    }
}

/// What the user asked for, handed to the format-specific writer.
struct Batch<'a> {
    origin: &'a Origin,
    ids: &'a [PayoutId],
    dir: &'a Path,
    mark_on_process: bool,
}

/// The lines of the payouts of `ids` that `format` can pay, by currency, with their ids and
/// numbers; the others, with the reason.
#[allow(clippy::type_complexity)]
fn lines_by_currency<F: Format>(
    format: &F,
    ids: &[PayoutId],
    mut found: HashMap<PayoutId, (Payout, AccountDetails)>,
) -> (
    BTreeMap<&'static str, Vec<Line<F::Payee>>>,
    Vec<(PayoutId, String)>,
    Vec<Skipped>,
) {
    let mut by_currency: BTreeMap<&'static str, Vec<Line<F::Payee>>> = BTreeMap::new();
    let (mut included, mut skipped) = (Vec::new(), Vec::new());
    for &id in ids {
        let Some((p, account)) = found.remove(&id) else {
            skipped.push(Skipped::new(id, Refusal::NoSuchPayout(id)));
            continue;
        };
        if p.status != PayoutStatus::Pending {
            skipped.push(Skipped::new(id, Refusal::NotPending(p.status)));
            continue;
        }
        let payee = match format.payee(p.amount, account) {
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
    (by_currency, included, skipped)
}

/// Writes one file per currency (more where a currency has more rows than the provider takes)
/// beside its name in `dir`; returns the names, the files still to be renamed into place, and
/// what each holds.
#[allow(clippy::type_complexity)]
fn write_files<F: Format>(
    format: &F,
    origin: &Origin,
    dir: &Path,
    by_currency: &BTreeMap<&'static str, Vec<Line<F::Payee>>>,
) -> Result<(
    Vec<String>,
    Vec<(AtomicFile, BufWriter<File>)>,
    Vec<WrittenFile>,
)> {
    let kind = F::KIND;
    let day = origin.at.format("%Y%m%d");
    let mut files = Vec::new();
    let mut pending = Vec::new();
    let mut written = Vec::new();
    // The last digits of a v7 id are random.
    let id = uuid::Uuid::now_v7().simple().to_string().to_uppercase();
    let tag = &id[id.len() - 6..];
    for (currency, lines) in by_currency {
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
            let target = dir.join(&name);
            if target.exists() {
                return Err(Error::Conflict(format!(
                    "{} already exists; a payment file is never overwritten. Move it, or choose another folder.",
                    target.display()
                )));
            }
            let part = Part {
                origin,
                index: k + 1,
                tag,
            };
            let mut bytes = Vec::new();
            format.write(&mut bytes, chunk, &part, &target)?;
            let (atomic, mut out) = AtomicFile::create(&target)?;
            out.write_all(&bytes)
                .map_err(|e| crate::files::io_error("write", &target, e))?;
            written.push(WrittenFile {
                name,
                folder: dir.display().to_string(),
                currency,
                total_minor: chunk.iter().map(|l| l.amount.minor()).sum(),
                payouts: chunk.iter().filter_map(|l| l.number.parse().ok()).collect(),
                batch_id: format.batch_id(&part),
                bytes,
            });
            pending.push((atomic, out));
            files.push(target.display().to_string());
        }
    }

    Ok((files, pending, written))
}
