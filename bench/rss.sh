#!/usr/bin/env bash
# Resident memory of an idle ortlos server: builds the binary, starts
# `ortlos serve` on a fresh SQLite database on 127.0.0.1, sends a few
# requests, waits until it is idle and prints VmRSS.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
go build -trimpath -o "$dir/ortlos" ./cmd/ortlos
port=${PORT:-18765}
"$dir/ortlos" serve -listen 127.0.0.1:$port -data-dir "$dir/data" >"$dir/out.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 20); do curl -fsS "http://127.0.0.1:$port/login" >/dev/null; done
sleep 5
grep -E 'VmRSS|VmHWM' /proc/$pid/status
