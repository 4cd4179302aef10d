//! Where a file the user asked for goes: a native save or folder dialog, opened from Rust so
//! the webview never gets file access. The end-to-end tests set `INCENTISE_SAVE_DIR` instead:
//! no dialog is shown and files go into that folder under their suggested names.

use std::path::PathBuf;

use tauri::{Runtime, Window};

pub const SAVE_DIR_ENV: &str = "INCENTISE_SAVE_DIR";
/// For the end-to-end tests: the file an "open" dialog would have returned.
pub const OPEN_FILE_ENV: &str = "INCENTISE_OPEN_FILE";

/// The path to save `suggested` (a file name) at, or `None` when the user cancels.
pub async fn save_path<R: Runtime>(window: &Window<R>, suggested: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(SAVE_DIR_ENV) {
        return Some(PathBuf::from(dir).join(suggested));
    }
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title("Save as")
        .set_file_name(suggested)
        .add_filter("CSV", &["csv"])
        .save_file()
        .await
        .map(|file| file.path().to_owned())
}

/// A file to read, or `None` when the user cancels.
pub async fn open_path<R: Runtime>(window: &Window<R>, title: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(OPEN_FILE_ENV) {
        return Some(PathBuf::from(path));
    }
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title(title)
        .add_filter("Statements", &["csv", "txt", "xml"])
        .pick_file()
        .await
        .map(|file| file.path().to_owned())
}

/// A folder to write several files into, or `None` when the user cancels.
pub async fn folder<R: Runtime>(window: &Window<R>, title: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(SAVE_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title(title)
        .pick_folder()
        .await
        .map(|folder| folder.path().to_owned())
}
