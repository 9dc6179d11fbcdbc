#!/bin/sh
# check.sh type-checks the toss.request objects that the Toss ready and
# billing ready handlers emit, for every method and easy-pay provider, with
# tsc --strict against
# the Toss Payments v2 SDK's published definitions
# (@tosspayments/tosspayments-sdk, types/index.d.ts), both pinned in
# package.json and package-lock.json. The definitions stay in this folder:
# nothing of them reaches the Go module.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
cd "$here/../.."
TOSS_SDKCHECK=1 go test -count=1 -run '^Test(Ready|BillingAuth)RequestMatchesSDK$' ./toss
