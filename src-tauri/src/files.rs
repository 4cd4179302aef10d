//! Where a file the user asked for goes: a native save or folder dialog, opened from Rust so
//! the webview never gets file access. In a build with the `test-hooks` feature (the test
//! command's), the end-to-end tests set `INCENTISE_SAVE_DIR` instead: no dialog is shown and
//! files go into that folder under their suggested names. A normal build ignores the variables,
//! so nobody can redirect what the owner saves or opens by setting them.

use std::path::PathBuf;

use tauri::{Runtime, Window};

pub const SAVE_DIR_ENV: &str = "INCENTISE_SAVE_DIR";
/// For the end-to-end tests: the file an "open" dialog would have returned.
pub const OPEN_FILE_ENV: &str = "INCENTISE_OPEN_FILE";

/// The path the test variable `name` gives, in a build with the `test-hooks` feature only.
fn hook(name: &str) -> Option<PathBuf> {
    gate(std::env::var_os(name))
}

/// The path the test variable `name` gives, in a build with the `test-hooks` feature only.
pub fn test_path(name: &str) -> Option<PathBuf> {
    hook(name)
}

/// The text the test variable `name` gives, in a build with the `test-hooks` feature only.
pub fn test_answer(name: &str) -> Option<String> {
    hook(name).map(|p| p.to_string_lossy().into_owned())
}

/// A test variable's value as a path where the build takes test hooks; nothing otherwise.
fn gate(value: Option<std::ffi::OsString>) -> Option<PathBuf> {
    if cfg!(feature = "test-hooks") {
        value.map(PathBuf::from)
    } else {
        None
    }
}

/// The path to save `suggested` (a file name) at, or `None` when the user cancels; the dialog
/// offers files of the suggested name's kind (`.csv`, `.eml`).
pub async fn save_path<R: Runtime>(window: &Window<R>, suggested: &str) -> Option<PathBuf> {
    if let Some(dir) = hook(SAVE_DIR_ENV) {
        return Some(dir.join(suggested));
    }
    let extension = suggested.rsplit_once('.').map_or("csv", |(_, e)| e);
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title("Save as")
        .set_file_name(suggested)
        .add_filter(extension.to_uppercase(), &[extension])
        .save_file()
        .await
        .map(|file| file.path().to_owned())
}

/// The files a statement dialog offers.
pub const STATEMENTS: (&str, &[&str]) = ("Statements", &["csv", "txt", "xml"]);
/// The files an import of customers or requests offers.
pub const TABLES: (&str, &[&str]) = ("CSV files", &["csv", "txt"]);
/// The files a restore dialog offers.
pub const BOOKS: (&str, &[&str]) = ("Books and backups", &["sqlite", "zst"]);
/// The files "Open a book file…" offers.
pub const BOOK: (&str, &[&str]) = ("Books", &["sqlite"]);

/// A file to read, of the kind `filter` names, or `None` when the user cancels.
pub async fn open_path<R: Runtime>(
    window: &Window<R>,
    title: &str,
    filter: (&str, &[&str]),
) -> Option<PathBuf> {
    if let Some(path) = hook(OPEN_FILE_ENV) {
        return Some(path);
    }
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title(title)
        .add_filter(filter.0, filter.1)
        .pick_file()
        .await
        .map(|file| file.path().to_owned())
}

/// A folder to write several files into, or `None` when the user cancels.
pub async fn folder<R: Runtime>(window: &Window<R>, title: &str) -> Option<PathBuf> {
    if let Some(dir) = hook(SAVE_DIR_ENV) {
        return Some(dir);
    }
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title(title)
        .pick_folder()
        .await
        .map(|folder| folder.path().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run by the test command without the feature: a variable set to a path changes nothing.
    #[cfg(not(feature = "test-hooks"))]
    #[test]
    fn a_normal_build_ignores_the_test_variables() {
        assert_eq!(gate(Some("/tmp/elsewhere".into())), None);
    }

    #[cfg(feature = "test-hooks")]
    #[test]
    fn a_test_build_takes_the_test_variables() {
        assert_eq!(
            gate(Some("/tmp/elsewhere".into())),
            Some(PathBuf::from("/tmp/elsewhere"))
        );
    }
}
