include!("src/command_names.rs");

fn main() {
    // Every command gets an explicit permission; `capabilities/main.json` grants them to the
    // main window only. Commands not listed here are refused by the IPC layer.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
