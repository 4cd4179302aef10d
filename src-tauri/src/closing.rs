//! Closing the window while long work runs (an import, an export, a confirm, the check of the
//! book) asks first: closing stops the work, and what it did so far is undone. Kept working,
//! nothing changes; closed, the work is cancelled and the window closes once it has stopped.
//!
//! In a build with the `test-hooks` feature, the end-to-end tests answer the question through
//! `INCENTISE_CLOSE_ANSWER` (`close` or `keep`) and ask the window to close by creating the file
//! `close-window` in `INCENTISE_SAVE_DIR`; a normal build ignores both.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tauri::{Manager, Runtime, Window, WindowEvent};

use crate::Book;

/// How long a cancelled job has to stop before the window closes anyway (its transaction is
/// then rolled back as the process ends).
const STOPPING: Duration = Duration::from_secs(15);

/// The window's events: a close while work runs is held and asked about.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let Some(book) = window.try_state::<Book>() else {
        return;
    };
    let work = &book.work;
    let Some(what) = work.running() else {
        return;
    };
    api.prevent_close();
    // One question at a time: a second close click while it is asked waits for its answer.
    if work.asking.swap(true, Ordering::Relaxed) {
        return;
    }
    let window = window.clone();
    tauri::async_runtime::spawn(async move {
        let close = close_anyway(&window, what).await;
        tracing::info!(
            work = what,
            close,
            "the window was asked to close while work ran"
        );
        window
            .state::<Book>()
            .work
            .asking
            .store(false, Ordering::Relaxed);
        if close {
            stop_then_close(&window).await;
        }
    });
}

/// The dialog's button that closes.
const CLOSE_ANYWAY: &str = "Close anyway";

/// Whether the dialog's answer is "Close anyway": GTK's dialog answers its first custom button
/// as `Ok`, the other systems' by its text.
fn closes(answer: &rfd::MessageDialogResult) -> bool {
    match answer {
        rfd::MessageDialogResult::Ok => true,
        rfd::MessageDialogResult::Custom(chosen) => chosen == CLOSE_ANYWAY,
        _ => false,
    }
}

/// Whether the owner closes the window all the same.
async fn close_anyway<R: Runtime>(window: &Window<R>, what: &str) -> bool {
    if let Some(answer) = crate::files::test_answer("INCENTISE_CLOSE_ANSWER") {
        return answer == "close";
    }
    let answer = rfd::AsyncMessageDialog::new()
        .set_parent(window)
        .set_level(rfd::MessageLevel::Warning)
        .set_title("Close while work runs?")
        .set_description(format!(
            "{what} is still running. If you close the window now, it stops and what it did so far is undone."
        ))
        .set_buttons(rfd::MessageButtons::OkCancelCustom(
            CLOSE_ANYWAY.into(),
            "Keep working".into(),
        ))
        .show()
        .await;
    closes(&answer)
}

/// Cancels the work, waits for it to stop (undoing itself), then closes the window.
async fn stop_then_close<R: Runtime>(window: &Window<R>) {
    let book = window.state::<Book>();
    book.work.cancel();
    let asked = Instant::now();
    while book.work.running().is_some() && asked.elapsed() < STOPPING {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let closed = if book.work.running().is_none() {
        window.close()
    } else {
        tracing::warn!("the work did not stop in time; the window closes anyway");
        window.destroy()
    };
    if let Err(err) = closed {
        tracing::error!("the window could not close: {err}");
    }
}

/// For the end-to-end tests: closes the window when `close-window` appears in the save folder.
pub fn close_on_request<R: Runtime>(window: Window<R>) {
    let Some(flag) =
        crate::files::test_path(crate::files::SAVE_DIR_ENV).map(|d| d.join("close-window"))
    else {
        return;
    };
    std::thread::spawn(move || loop {
        if std::fs::remove_file(&flag).is_ok() {
            if let Err(err) = window.close() {
                tracing::error!("the window could not be asked to close: {err}");
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use rfd::MessageDialogResult;

    #[test]
    fn close_anyway_is_the_first_button_on_every_system() {
        // GTK's async dialog answers the first custom button as Ok, the others by its text.
        assert!(closes(&MessageDialogResult::Ok));
        assert!(closes(&MessageDialogResult::Custom(CLOSE_ANYWAY.into())));
        assert!(!closes(&MessageDialogResult::Custom("Keep working".into())));
        assert!(!closes(&MessageDialogResult::Cancel));
    }

    #[test]
    fn a_job_clears_only_its_own_name() {
        let work = crate::book::Work::default();
        let first = work.start("An export of payouts");
        let second = work.start("An import");
        drop(first);
        assert_eq!(work.running(), Some("An import"));
        drop(second);
        assert_eq!(work.running(), None);
    }
}
