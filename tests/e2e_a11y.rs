//! The accessibility check of issue 15: axe-core (vendored for the tests only, see
//! `tests/vendor/README.md`) run on every screen of a book with the sample data, in the light
//! and the dark theme, finds no serious or critical violation of WCAG 2.1 A and AA.
//!
//! Linux only: the app's webview there (WebKitGTK) has a WebDriver, WebKitWebDriver.
#![cfg(target_os = "linux")]

mod support;

use support::*;

const AXE: &str = include_str!("vendor/axe.min.js");

const SCREENS: [&str; 9] = [
    "payouts",
    "requests",
    "customers",
    "runs",
    "reconciliation",
    "attention",
    "audit",
    "settings",
    "help",
];

/// The serious and critical violations axe finds on the page as it is, one line each.
async fn violations(c: &fantoccini::Client) -> Vec<String> {
    if js(c, "return typeof window.axe === 'object'", vec![]).await != true {
        c.execute(&format!("{AXE}\n;return true;"), vec![])
            .await
            .expect("axe-core loads into the page");
    }
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {
               runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
               resultTypes: ['violations'],
             }).then((r) => done(r.violations
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => `${v.id} (${v.impact}): ${v.help}: `
                   + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | '))))
               .catch((e) => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .expect("axe runs");
    serde_json::from_value(found).expect("a list of violations")
}

#[test]
fn no_screen_has_a_serious_accessibility_violation_in_either_theme() {
    run_seeded(
        "a11y",
        |l| async move {
            l.load_sample_data(&ledger::Origin::manual("Seeder", chrono::Utc::now()))
                .await
                .unwrap();
            l
        },
        |s| async move {
            let c = &s.client;
            let mut found = Vec::new();
            for theme in ["light", "dark"] {
                js(
                    c,
                    "localStorage.setItem('incentise-theme', arguments[0]);
                     document.documentElement.dataset.theme = arguments[0];
                     document.documentElement.style.colorScheme = arguments[0];",
                    vec![theme.into()],
                )
                .await;
                for screen in SCREENS {
                    open_screen(c, screen).await;
                    // The screen's data drawn, not its loading state.
                    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
                    for v in violations(c).await {
                        found.push(format!("{screen}, {theme}: {v}"));
                    }
                }
            }
            js(c, "localStorage.removeItem('incentise-theme')", vec![]).await;
            assert!(found.is_empty(), "{}", found.join("\n"));
            s
        },
    );
}
