//! A crashed web process (the page's renderer) reloads the page instead of leaving a dead
//! window, and the page then says so (`start_up`'s `page_reloaded`). A page that crashes as it
//! loads is reloaded at most three times a minute.
//!
//! Linux only: WebKitGTK tells the app through its `web-process-terminated` signal. On Windows
//! (WebView2's ProcessFailed) and macOS (WKWebView's content process termination) nothing is
//! watched yet.

/// The limit on reloads, where there is a crash to reload after (and in the tests).
#[cfg(any(target_os = "linux", test))]
mod limit {
    use std::collections::VecDeque;
    use std::time::{Duration, Instant};

    /// Reloads allowed within [`WINDOW`].
    pub const MOST_RELOADS: usize = 3;
    const WINDOW: Duration = Duration::from_secs(60);

    /// The page's recent reloads, to limit them.
    #[derive(Debug, Default)]
    pub struct Reloads(VecDeque<Instant>);

    impl Reloads {
        /// Whether one more reload at `now` is allowed; counts it if it is.
        pub fn allow(&mut self, now: Instant) -> bool {
            while self
                .0
                .front()
                .is_some_and(|&at| now.saturating_duration_since(at) >= WINDOW)
            {
                self.0.pop_front();
            }
            if self.0.len() >= MOST_RELOADS {
                return false;
            }
            self.0.push_back(now);
            true
        }
    }
}

#[cfg(any(target_os = "linux", test))]
use limit::Reloads;
#[cfg(target_os = "linux")]
use limit::MOST_RELOADS;

/// Watches `window`'s page: when its web process ends, the page is reloaded (within the limit)
/// and the book remembers to say so.
#[cfg(target_os = "linux")]
pub fn watch<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    use tauri::Manager;
    use webkit2gtk::WebViewExt;
    let app = window.app_handle().clone();
    let watched = window.with_webview(move |platform| {
        let reloads = std::cell::RefCell::new(Reloads::default());
        platform
            .inner()
            .connect_web_process_terminated(move |view, reason| {
                if reloads.borrow_mut().allow(std::time::Instant::now()) {
                    tracing::error!(?reason, "the page's web process ended; the page is reloaded");
                    app.state::<crate::Book>().page_reloaded();
                    view.reload();
                } else {
                    tracing::error!(
                        ?reason,
                        "the page's web process ended {MOST_RELOADS} times within a minute; not reloaded again"
                    );
                }
            });
    });
    if let Err(err) = watched {
        tracing::warn!("the page's web process is not watched: {err}");
    }
}

/// Nothing is watched on this system (see the module description).
#[cfg(not(target_os = "linux"))]
pub fn watch<R: tauri::Runtime>(_window: &tauri::WebviewWindow<R>) {}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_page_is_reloaded_three_times_a_minute_at_most() {
        let start = Instant::now();
        let mut reloads = Reloads::default();
        for k in 0..3 {
            assert!(reloads.allow(start + Duration::from_secs(k)), "reload {k}");
        }
        assert!(!reloads.allow(start + Duration::from_secs(10)));
        assert!(!reloads.allow(start + Duration::from_secs(59)));
        // A minute after the first, one more.
        assert!(reloads.allow(start + Duration::from_secs(60)));
        assert!(!reloads.allow(start + Duration::from_millis(60_500)));
        assert!(reloads.allow(start + Duration::from_secs(121)));
    }
}
