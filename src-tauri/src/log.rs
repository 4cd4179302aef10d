//! The app's log: what the ledger and the shell report through `tracing`, written to a daily
//! file in the OS log folder (the last [`KEPT`] days kept), so "the details are in the log" is
//! true. Every line passes through [`redact`] first: an IBAN or an account number never
//! reaches the file, whatever message carried it.

use std::io::Write;
use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;

/// Days of log kept.
pub const KEPT: usize = 7;
/// The log files' names: `incentise.<day>.log`.
const PREFIX: &str = "incentise";

/// Starts writing the log into `dir` (created if need be). Called once, as the app starts.
pub fn start(dir: &Path) -> Result<(), String> {
    ledger::private_dir(dir).map_err(|e| e.to_string())?;
    let files = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix("log")
        .max_log_files(KEPT)
        .build(dir)
        .map_err(|e| format!("the log folder {} cannot be written: {e}", dir.display()))?;
    tracing_subscriber::fmt()
        .with_writer(Redacting(files))
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .try_init()
        .map_err(|e| e.to_string())
}

/// The newest `lines` lines of the newest log file in `dir`, for diagnostics.
pub fn tail(dir: &Path, lines: usize) -> Vec<String> {
    let newest = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".log"))
        })
        .max();
    let text = newest
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// A writer maker whose writers hold one event's text and write it redacted when dropped.
struct Redacting<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.0.make_writer(),
            held: Vec::new(),
        }
    }
}

struct RedactingWriter<W: Write> {
    inner: W,
    held: Vec<u8>,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.held.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let text = redact(&String::from_utf8_lossy(&self.held));
        // A log line that cannot be written is not worth failing anything for.
        let _ = self.inner.write_all(text.as_bytes());
        let _ = self.inner.flush();
    }
}

/// `text` with every IBAN-shaped word and every run of 8 or more digits (spaces and hyphens
/// between them allowed, as account numbers are written) masked to its last four characters.
/// Digits inside a longer word (a file name's timestamp) are left alone.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !chars[i - 1].is_alphanumeric();
        let found = if boundary {
            iban_at(&chars, i).or_else(|| digits_at(&chars, i))
        } else {
            None
        };
        match found {
            Some(end) => {
                let kept: String = chars[i..end]
                    .iter()
                    .filter(|c| c.is_alphanumeric())
                    .collect();
                let last4 = &kept[kept.len() - 4..];
                out.push_str("••••");
                out.push_str(last4);
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// The end of an IBAN starting at `i`: two letters, two digits, then 11 to 30 letters or
/// digits (single spaces allowed between groups), ending at a word boundary.
fn iban_at(chars: &[char], i: usize) -> Option<usize> {
    let upper = |k: usize| chars.get(k).is_some_and(|c| c.is_ascii_uppercase());
    let digit = |k: usize| chars.get(k).is_some_and(|c| c.is_ascii_digit());
    if !(upper(i) && upper(i + 1) && digit(i + 2) && digit(i + 3)) {
        return None;
    }
    let (mut end, mut body) = (i + 4, 0);
    loop {
        match chars.get(end) {
            Some(c) if c.is_ascii_alphanumeric() && !c.is_ascii_lowercase() => {
                body += 1;
                end += 1;
            }
            Some(' ')
                if chars
                    .get(end + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric()) =>
            {
                end += 1
            }
            _ => break,
        }
    }
    // A trailing space belongs to the sentence, not the number.
    let at_boundary = chars.get(end).is_none_or(|c| !c.is_alphanumeric());
    ((11..=30).contains(&body) && at_boundary).then_some(end)
}

/// The end of a run of 8 or more digits starting at `i`, single spaces or hyphens allowed
/// between digits, ending at a word boundary.
fn digits_at(chars: &[char], i: usize) -> Option<usize> {
    let (mut end, mut digits) = (i, 0);
    while end < chars.len() {
        let c = chars[end];
        if c.is_ascii_digit() {
            digits += 1;
            end += 1;
        } else if (c == ' ' || c == '-')
            && digits > 0
            && chars.get(end + 1).is_some_and(|n| n.is_ascii_digit())
        {
            end += 1;
        } else {
            break;
        }
    }
    let at_boundary = chars.get(end).is_none_or(|c| !c.is_alphanumeric());
    (digits >= 8 && at_boundary).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_and_ibans_never_reach_the_log() {
        for (line, gone, kept) in [
            (
                "to DE89 3704 0044 0532 0130 00 today",
                "3704",
                "••••3000 today",
            ),
            (
                "iban=DE89370400440532013000,",
                "DE89370400440532013000",
                "••••3000,",
            ),
            ("GB29NWBK60161331926819", "NWBK6016", "••••6819"),
            (
                "account 021000021 / 123456789012",
                "021000021",
                "••••0021 / ••••9012",
            ),
            ("card 4111-1111-1111-1111.", "4111-1111", "••••1111."),
        ] {
            let redacted = redact(line);
            assert!(!redacted.contains(gone), "{line} -> {redacted}");
            assert!(redacted.ends_with(kept), "{line} -> {redacted}");
        }
        // What a support reader needs stays: record numbers, times, file names, short numbers.
        for line in [
            "PO-000012 moved to Success at 2026-11-30T01:55:56Z",
            "backup manual-20261130T014633Z.sqlite written",
            "seq 1234567 of key 31120148adfac977",
        ] {
            assert_eq!(redact(line), line);
        }
    }

    #[test]
    fn the_log_file_holds_the_message_without_the_iban() {
        let dir = tempfile::tempdir().unwrap();
        let files = RollingFileAppender::builder()
            .rotation(Rotation::NEVER)
            .filename_prefix(PREFIX)
            .filename_suffix("log")
            .build(dir.path())
            .unwrap();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Redacting(files))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(
                iban = "FR1420041010050500013M02606",
                "could not write the SEPA file for PO-000007"
            );
        });
        let written = tail(dir.path(), 10).join("\n");
        assert!(
            written.contains("could not write the SEPA file for PO-000007"),
            "{written}"
        );
        assert!(!written.contains("20041010050500013"), "{written}");
        assert!(written.contains("••••2606"), "{written}");
    }
}
