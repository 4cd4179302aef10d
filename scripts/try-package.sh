#!/usr/bin/env bash
# Builds the Debian package with the Tauri CLI (a debug build, on the test build's
# dependencies), installs it with dpkg, starts the installed app under Xvfb on a fresh
# temporary book and checks its first screen (tests/e2e_installed.rs, screenshot
# target/e2e-shots/installed-deb.png), then removes the package. Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh --test

package=incentise-payouts
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
  say "SKIPPED: $package is installed on this machine already; the test would replace it"
  exit 0
fi

say "Debian package: built with the Tauri CLI $("$TAURI_CLI" --version | cut -d' ' -f2)"
# The app as a user gets it: without the test hooks. One test target of the ledger and one of
# the app are built along: with them, the dependencies' features are resolved as in the test
# run (dev-dependencies included), so none is compiled again (4 minutes saved).
cargo build --locked --workspace --bins --test checkout --test e2e_installed
rm -rf target/debug/bundle/deb
"$TAURI_CLI" bundle --debug --bundles deb --ci
debs=(target/debug/bundle/deb/*.deb)
((${#debs[@]} == 1)) || { say "expected one .deb, found: ${debs[*]}"; exit 1; }
dpkg-deb --info "${debs[0]}" | sed -n '/Package:/p;/Version:/p;/Depends:/p'

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
remove() { $sudo dpkg --remove "$package" >/dev/null; }
trap remove EXIT
say "Installing ${debs[0]}"
$sudo dpkg --install "${debs[0]}" >/dev/null
app=$(dpkg --listfiles "$package" | grep -m1 '^/usr/bin/')
licences=$(dpkg --listfiles "$package" | grep -m1 '/THIRD-PARTY-LICENSES.txt$')
cmp "$licences" THIRD-PARTY-LICENSES.txt
say "Installed: $app, and the third-party licences at $licences"

say "Starting the installed $app on a fresh book"
run=(cargo test --locked --features test-hooks --test e2e_installed -- --ignored)
if [[ -n "${DISPLAY:-}" && "${CI:-}" != "true" ]]; then
  INCENTISE_E2E_APP="$app" "${run[@]}"
else
  INCENTISE_E2E_APP="$app" xvfb-run -a -s "-screen 0 1280x800x24" "${run[@]}"
fi

remove
trap - EXIT
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
  || [[ -e "$app" ]]; then
  say "$package was not removed"
  exit 1
fi
say "The Debian package installed, started and was removed"
