#!/usr/bin/env bash
# The whole test suite, as the README's second command and CI run it:
# gofmt check, go vet, and go test -race over every package. Store tests run
# on SQLite and on a throwaway PostgreSQL that the tests start from Debian's
# binaries; UI tests drive a headless Debian Chromium. Missing Debian
# packages are installed when running as root.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v oathtool >/dev/null || need+=(oathtool)
command -v python3 >/dev/null || need+=(python3)
# A real iCalendar parser from another project checks our .ics output.
/usr/bin/python3 -c "import icalendar" 2>/dev/null || need+=(python3-icalendar)
# WebDAV is checked with the litmus suite; virus scanning against a real clamd.
command -v litmus >/dev/null || need+=(litmus)
command -v clamd >/dev/null || need+=(clamav-daemon)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

# The S3 blob store is tested against versitygw, a real S3 server on a plain
# folder (not in Debian): built once from the Go module proxy into a cache
# folder, where internal/blob/s3test also finds it.
if [ -z "${ORTLOS_VERSITYGW:-}" ]; then
  if command -v versitygw >/dev/null; then
    ORTLOS_VERSITYGW=$(command -v versitygw)
  else
    tools="${XDG_CACHE_HOME:-$HOME/.cache}/ortlos/tools/bin"
    if [ ! -x "$tools/versitygw" ]; then
      echo "==> installing versitygw v1.8.0 into $tools (S3 server for the blob store tests; a few minutes, once)"
      GOBIN="$tools" GOFLAGS=-buildvcs=false go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
    fi
    ORTLOS_VERSITYGW="$tools/versitygw"
  fi
  export ORTLOS_VERSITYGW
fi

echo "==> gofmt"
files=$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')
unformatted=$(gofmt -l $files)
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:" >&2
  echo "$unformatted" >&2
  exit 1
fi

echo "==> go vet"
go vet ./...

echo "==> go test -race"
# Fail instead of skip when PostgreSQL, Chromium, oathtool or versitygw are
# missing.
export ORTLOS_TEST_REQUIRE_POSTGRES=1 ORTLOS_TEST_REQUIRE_TOOLS=1
go test -race -count=1 -timeout 20m "$@" ./...
