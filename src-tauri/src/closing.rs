//! Closing the window while long work runs (an import, an export, a confirm, the check of the
//! book) asks first: closing stops the work, and what it did so far is undone. Kept working,
//! nothing changes; closed, the work is cancelled and the window closes once it has stopped.
//!
//! In a build with the `test-hooks` feature, the end-to-end tests answer the question through
//! `INCENTISE_CLOSE_ANSWER` (`close` or `keep`) and ask the window to close by creating the file
//! `close-window` in `INCENTISE_SAVE_DIR`; a normal build ignores both.

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
    let Some(what) = window.state::<Book>().work.running() else {
        return;
    };
    api.prevent_close();
    let window = window.clone();
    tauri::async_runtime::spawn(async move {
        let close = close_anyway(&window, what).await;
        tracing::info!(
            work = what,
            close,
            "the window was asked to close while work ran"
        );
        if close {
            stop_then_close(&window).await;
        }
    });
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
            "Close anyway".into(),
            "Keep working".into(),
        ))
        .show()
        .await;
    matches!(answer, rfd::MessageDialogResult::Custom(ref chosen) if chosen == "Close anyway")
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
