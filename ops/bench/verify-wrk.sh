#!/usr/bin/env bash
# The verify-by-fingerprint benchmark (issue 5): wrk against GET /api/v1/verify/{fingerprint}
# of a running `silkway demo` gateway, on loopback. Target: >= 20,000 requests/s, p99 <= 5 ms.
#
#   cargo run --release -p ops --bin silkway -- demo        # in another terminal, wait for it
#   ops/bench/verify-wrk.sh [DEMO_DIR] [GATEWAY_URL] [SECONDS] [CONNECTIONS]
#
# Defaults: ./silkway-demo, http://127.0.0.1:8080, 10 s, 16 connections on 1 wrk thread.
# It asks the issuing bank's API for its first credit and verifies that credit's anchored
# document, then a fingerprint nobody anchored (the tampered-file answer). Needs wrk
# (Debian package `wrk`), curl and python3.
set -euo pipefail
dir=${1:-./silkway-demo}
url=${2:-http://127.0.0.1:8080}
seconds=${3:-10}
connections=${4:-16}
token=$(python3 -c 'import json,sys
users = json.load(open(sys.argv[1]))["users"]
print(next(u["token"] for u in users if u["login"] == "steppe-commercial-bank"))' "$dir/demo-users.json")
credit=$(curl -sf -H "Authorization: Bearer $token" "$url/api/v1/lcs" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
fingerprint=$(curl -sf -H "Authorization: Bearer $token" "$url/api/v1/lcs/$credit" |
  grep -o '"document":"[0-9a-f]\{64\}"' | head -1 | cut -d'"' -f4)
curl -sf "$url/api/v1/verify/$fingerprint" | grep -q '"anchored":true' ||
  { echo "fingerprint $fingerprint is not anchored at $url" >&2; exit 1; }
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for fp in "$fingerprint" "$(printf '%064d' 0)"; do
  echo "== GET $url/api/v1/verify/$fp"
  wrk -t1 -c"$connections" -d"${seconds}s" --latency "$url/api/v1/verify/$fp"
done
