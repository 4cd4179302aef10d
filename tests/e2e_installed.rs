//! The app as a user installs it: `scripts/try-package.sh` (part of the test command) builds
//! the Debian package, installs it with dpkg and runs this test against the installed program
//! (`INCENTISE_E2E_APP`), on a fresh temporary book. Ignored in a plain `cargo test`, which
//! has no installed app to try.
//!
//! Linux only, like the other end-to-end tests (WebKitWebDriver).
#![cfg(target_os = "linux")]

mod support;

use support::*;

#[test]
#[ignore = "needs the installed package: run scripts/try-package.sh"]
fn the_installed_app_starts_on_a_fresh_book_and_says_its_version() {
    let app = std::env::var("INCENTISE_E2E_APP").expect("INCENTISE_E2E_APP: the installed app");
    assert!(
        app.starts_with("/usr/") && !app.contains("/target/"),
        "{app} is not an installed program"
    );
    run("installed-deb", |s| async move {
        let c = &s.client;
        // A new book opens on Payouts, which offers the sample data.
        wait_for(c, ".sidebar a[data-screen='payouts'][aria-current='page']").await;
        wait_for(c, "#load-sample").await;
        open_screen(c, "help").await;
        let version = format!("Incentise Payouts {}", env!("CARGO_PKG_VERSION"));
        wait_text(c, "main section.card strong", |t| t == version).await;
        open_screen(c, "payouts").await;
        wait_for(c, "#load-sample").await;
        s
    });
}
