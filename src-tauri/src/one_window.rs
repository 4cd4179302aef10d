//! One window per book: a second launch hands over to the window already open, which comes to
//! the front and says so, and the second process ends before it touches the book.
//!
//! Where the system offers no way to find the first window (Linux without a D-Bus session
//! bus), the second launch goes on and the book's OS lock refuses it on the start-up screen
//! instead (`ledger::BookLock`): the lock is the safety, this is the courtesy.

use tauri::{Manager, Runtime};

/// What the window hears when a second launch handed over to it (`ui/app.js` listens).
pub const OPENED_AGAIN: &str = "opened-again";

/// The plugin, registered before anything else so a second launch ends before it starts;
/// `identifier` is the app's (tauri.conf.json).
pub fn plugin<R: Runtime>(identifier: &str) -> tauri::plugin::TauriPlugin<R> {
    let builder = tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| {
        tracing::info!("a second launch handed over to this window");
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
            let said = window.eval(format!(
                "document.dispatchEvent(new Event('{OPENED_AGAIN}'))"
            ));
            if let Err(err) = said {
                tracing::warn!("the window was not told of the second launch: {err}");
            }
        }
    });
    #[cfg(target_os = "linux")]
    let builder = match std::env::var_os(crate::book::BOOK_ENV) {
        Some(book) => builder.dbus_id(dbus_id(identifier, std::path::Path::new(&book))),
        None => builder,
    };
    // The other systems' plugin knows one instance per app, whatever the book.
    #[cfg(not(target_os = "linux"))]
    let _ = identifier;
    builder.build()
}

/// The D-Bus name of the instance keeping the book at `$INCENTISE_DB`: apps on other books
/// (each test's own, a second book of the owner's) run side by side. The default book shares
/// the app's identifier, so there it is one app per user, as on Windows and macOS, whose
/// plugin knows no other id.
#[cfg(target_os = "linux")]
fn dbus_id(identifier: &str, book: &std::path::Path) -> String {
    use std::hash::{Hash, Hasher};
    let book = std::fs::canonicalize(book)
        .or_else(|_| std::path::absolute(book))
        .unwrap_or_else(|_| book.to_path_buf());
    // The same program hashes the same path the same way; both launches are that program.
    let mut hasher = std::hash::DefaultHasher::new();
    book.hash(&mut hasher);
    format!("{identifier}.book{:016x}", hasher.finish())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::dbus_id;

    #[test]
    fn one_book_reached_two_ways_has_one_name_and_two_books_two() {
        let dir = tempfile::tempdir().unwrap();
        let book = dir.path().join("book.sqlite");
        std::fs::write(&book, b"").unwrap();
        let other = dir.path().join("other.sqlite");
        let roundabout = dir.path().join(".").join("book.sqlite");
        let id = |book| dbus_id("com.incentise.payouts", book);
        assert_eq!(id(&book), id(&roundabout));
        assert_ne!(id(&book), id(&other));
        // A D-Bus name element: letters, digits and `_`, not starting with a digit.
        let last = id(&book).rsplit('.').next().unwrap().to_owned();
        assert!(last.starts_with("book") && last.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
