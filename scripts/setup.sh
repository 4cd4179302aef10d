# Installs what the app needs on Debian/Ubuntu, only what is missing; sourced by start.sh and
# test.sh. Usage: `. scripts/setup.sh [--test]` (--test adds Xvfb, WebKitWebDriver, tauri-driver).
set -euo pipefail

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

packages=(build-essential pkg-config file libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  # The Secret Service client of the chain key's keychain (keyring) links libdbus.
  libdbus-1-dev)
# xmllint checks the SEPA files against the ISO 20022 schema in the ledger tests.
$want_test && packages+=(xvfb xauth webkit2gtk-driver libxml2-utils)

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
  # Pinned: tauri-driver 3.x is on its way and the recipe was checked with 2.1.0.
  if [[ "$(tauri-driver --version 2>/dev/null || true)" != *"2.1.0"* ]]; then
    say "Installing tauri-driver 2.1.0"
    cargo install tauri-driver --locked --version 2.1.0 --quiet
  fi
fi
