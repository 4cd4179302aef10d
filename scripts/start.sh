#!/usr/bin/env bash
# Installs what is missing, then starts Incentise Payouts on its book in the app-data folder
# (or on $INCENTISE_DB when set; a missing file there is reported, not created).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec cargo run --locked --release -- "$@"
