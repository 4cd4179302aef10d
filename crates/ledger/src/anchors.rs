//! The book's side of the tamper evidence of [`crate::chain`]: taking the chain's key when the
//! book opens, and writing the chain head to the anchor file on close, backup and export.
//!
//! A book is named in the trust folder by the uuid of its first audit event, which no copy,
//! backup or move of the file changes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::AccountDetails;
use crate::audit::{timestamp, Action, Diff, Event, Origin, Record, Source};
use crate::chain::{current_key_id, fingerprint, Anchor, ChainKey, Keying, KEY_FIELD};
use crate::error::Result;
use crate::Ledger;

/// The reason of the anchor written after a restore the app carried out.
pub const RESTORE: &str = "restore";

/// `details` sealed under `key`.
pub(crate) fn seal(key: &ChainKey, details: &AccountDetails) -> String {
    let canonical = serde_json::to_string(details).expect("account details serialise");
    let mac = key.mac(&[b"payment account\n", canonical.as_bytes()]);
    format!("{}:{}", key.id(), &mac[..32])
}

/// The chain head as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    /// The newest event's number; 0 for a book without events.
    pub seq: i64,
    pub hash: String,
    /// The first 16 hex digits of the hash in groups of four, to write down.
    pub fingerprint: String,
    /// Whether new events are hashed with a key kept outside the book.
    pub keyed: bool,
}

impl Ledger {
    /// Takes the book's key from the trust folder, or starts a keyed segment with a new one.
    pub(crate) async fn take_key(&mut self, now: DateTime<Utc>) -> Result<()> {
        let Some(trust) = self.trust.clone() else {
            return Ok(());
        };
        let current = current_key_id(&self.writer).await?;
        if let Some((key, _)) = current.as_deref().and_then(|id| trust.key(id)) {
            self.keying = Keying::Keyed(Arc::new(key));
            return Ok(());
        }
        let key = ChainKey::generate()?;
        let next: i64 = sqlx::query_scalar("SELECT IFNULL(MAX(seq), 0) + 1 FROM audit_events")
            .fetch_one(&self.writer)
            .await?;
        // The key is on disk before any event depends on it.
        trust.save_key(&key, next, &timestamp(now))?;
        let note = match &current {
            None => format!(
                "From this event on, every audit event's hash is keyed with a secret kept outside the book (key {}).",
                key.id()
            ),
            Some(lost) => format!(
                "The key of the events before this one (key {lost}) is not on this computer, so their hashes cannot be checked here; from this event on the chain is keyed with key {}.",
                key.id()
            ),
        };
        tracing::info!(key = key.id(), first_event = next, "{note}");
        let key = Arc::new(key);
        self.keying = Keying::Keyed(key.clone());
        let origin = Origin {
            operator: "Incentise Payouts".into(),
            source: Source::System,
            at: now,
        };
        let tx = self.begin_write(&origin).await?;
        tx.commit_with(Event {
            action: Action::Key,
            record: Record::Book,
            diff: Diff::new().field(KEY_FIELD, &current, key.id()),
            note: &note,
        })
        .await?;
        self.anchor_quietly("key").await;
        Ok(())
    }

    /// The seal of a payment account's full details under the chain's key, `<key id>:<mac>`,
    /// recorded in the trail beside the masked form, so state = history sees a change to any
    /// character of an account number without the trail ever holding the number. `None` for
    /// a book that is not keyed.
    pub(crate) fn account_seal(&self, details: &AccountDetails) -> Option<String> {
        let Keying::Keyed(key) = &self.keying else {
            return None;
        };
        Some(seal(key, details))
    }

    /// The key named `id`: the one this ledger writes with, or one of the trust folder's.
    pub(crate) fn key_named(&self, id: &str) -> Option<Arc<ChainKey>> {
        match &self.keying {
            Keying::Keyed(key) if key.id() == id => Some(key.clone()),
            _ => self
                .trust
                .as_ref()
                .and_then(|t| t.key(id))
                .map(|(key, _)| Arc::new(key)),
        }
    }

    /// The newest event's number and hash; `None` for a book without events.
    async fn head(&self) -> Result<Option<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    /// The name of the book in the trust folder: its first event's uuid.
    async fn book_id(&self) -> Result<Option<String>> {
        let uuid: Option<Uuid> = sqlx::query_scalar("SELECT uuid FROM audit_events WHERE seq = 1")
            .fetch_optional(&self.reader)
            .await?;
        Ok(uuid.map(|u| u.to_string()))
    }

    /// The chain head, for Settings.
    pub async fn chain_head(&self) -> Result<ChainHead> {
        let (seq, hash) = self.head().await?.unwrap_or((0, String::new()));
        Ok(ChainHead {
            seq,
            fingerprint: fingerprint(&hash),
            hash,
            keyed: matches!(self.keying, Keying::Keyed(_)),
        })
    }

    /// The book's newest anchor in the trust folder, if there is a folder and an anchor.
    pub(crate) async fn newest_anchor(&self) -> Result<Option<Anchor>> {
        let (Some(trust), Some(book)) = (&self.trust, self.book_id().await?) else {
            return Ok(None);
        };
        trust.newest_anchor(&book)
    }

    /// Writes the chain head to the trust folder's anchor file; `None` when this ledger does
    /// not write the chain (no trust folder, a read-only tool) or the book has no event yet.
    ///
    /// A head that does not continue the newest anchor (the book was cut off or rewritten
    /// since) is refused, so the anchor file keeps the evidence; only a restore the app
    /// carried out starts the file's story again, from the restored book.
    pub async fn anchor(&self, reason: &str, now: DateTime<Utc>) -> Result<Option<Anchor>> {
        let (Some(trust), Keying::Keyed(_)) = (&self.trust, &self.keying) else {
            return Ok(None);
        };
        let (Some((seq, hash)), Some(book)) = (self.head().await?, self.book_id().await?) else {
            return Ok(None);
        };
        if reason != RESTORE {
            if let Some(newest) = trust.newest_anchor(&book)? {
                let there: Option<String> =
                    sqlx::query_scalar("SELECT hash FROM audit_events WHERE seq = ?")
                        .bind(newest.seq)
                        .fetch_optional(&self.reader)
                        .await?;
                if there.as_deref() != Some(newest.hash.as_str()) {
                    return Err(crate::Error::Precondition(format!(
                        "The book no longer holds audit event {} as it was on {}: the history was cut off or rewritten, so its head is not written down. Verify the book.",
                        newest.seq, newest.at
                    )));
                }
            }
        }
        let Keying::Keyed(key) = &self.keying else {
            return Ok(None);
        };
        let anchor = Anchor {
            seq,
            hash,
            at: timestamp(now),
            reason: reason.to_owned(),
            key: Some(key.id().to_owned()),
        };
        trust.append_anchor(&book, &anchor)?;
        Ok(Some(anchor))
    }

    /// [`Ledger::anchor`] for the end of a user's action that succeeded already: a failure is
    /// logged, never turned into a failure of that action.
    pub(crate) async fn anchor_quietly(&self, reason: &str) {
        if let Err(err) = self.anchor(reason, Utc::now()).await {
            tracing::warn!(error = %err, reason, "could not write the chain head to the anchor file");
        }
    }
}
