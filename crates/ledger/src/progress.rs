//! Progress of long work (exports, imports, confirms, the chain check): told how far it got
//! every so often, and able to stop it.
//!
//! Ground floor: imports only the error type.

use crate::error::{Error, Result};

/// Told the count of rows (events, lines) done so far; answers whether to go on. False
/// cancels: the work undoes itself and answers [`Error::Cancelled`].
pub type Progress<'a> = &'a (dyn Fn(u64) -> bool + Send + Sync);

/// Exports and the chain check tell their progress this often.
pub const PROGRESS_EVERY: u64 = 10_000;

/// Counts done rows and asks `progress` every `every` of them whether to go on.
pub(crate) struct Ticker<'a> {
    progress: Progress<'a>,
    every: u64,
    done: u64,
}

impl<'a> Ticker<'a> {
    pub(crate) fn new(progress: Progress<'a>, every: u64) -> Ticker<'a> {
        Ticker {
            progress,
            every,
            done: 0,
        }
    }

    /// One more row done; [`Error::Cancelled`] when the listener says stop.
    pub(crate) fn tick(&mut self) -> Result<()> {
        self.done += 1;
        if self.done.is_multiple_of(self.every) && !(self.progress)(self.done) {
            return Err(Error::Cancelled);
        }
        Ok(())
    }

    pub(crate) fn done(&self) -> u64 {
        self.done
    }
}
