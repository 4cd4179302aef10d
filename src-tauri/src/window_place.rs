//! The window reopens where it was left: its size, its place and whether it was maximised,
//! kept by the official window-state plugin in the app's config folder (the webview gets none of
//! the plugin's commands: the capabilities do not grant them).
//!
//! The plugin writes the file when the app exits; a crash or a killed process would lose what
//! the user did since the last start, so the app also writes it a moment after every move or
//! resize.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tauri::{Manager, Runtime, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// What is kept: not whether the window is visible (the app shows it), nor its decorations.
const KEPT: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// How long a move or resize has to rest before it is written down.
const SETTLED: Duration = Duration::from_millis(400);

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_window_state::Builder::default()
        .with_state_flags(KEPT)
        .build()
}

/// Writes the window's place down once it has settled after a move or resize.
pub fn keep<R: Runtime>(app: &tauri::AppHandle<R>) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let app = app.clone();
    let changes = Arc::new(AtomicU64::new(0));
    window.on_window_event(move |event| {
        if !matches!(event, WindowEvent::Resized(_) | WindowEvent::Moved(_)) {
            return;
        }
        let this = changes.fetch_add(1, Ordering::Relaxed) + 1;
        let (app, changes) = (app.clone(), changes.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(SETTLED).await;
            if changes.load(Ordering::Relaxed) == this {
                if let Err(err) = app.save_window_state(KEPT) {
                    tracing::warn!("the window's place was not written down: {err}");
                }
            }
        });
    });
}
