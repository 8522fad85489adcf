#!/usr/bin/env python3
"""Verify an ortlos audit export (JSON Lines) independently of ortlos.

Usage: verify-audit-export.py FILE.jsonl
Exit code 0 and "OK n records" when the chain is intact, 1 otherwise.
The canonical form is documented in docs/audit.md.
"""
import hashlib
import json
import sys

FIELDS = ["seq", "at", "actor_id", "actor", "source_ip", "action",
          "object_type", "object_id", "detail", "prev_hash"]


def canonical(rec):
    out = b""
    for f in FIELDS:
        v = rec.get(f)
        if f == "actor_id" and not v:
            v = ""
        b = str(v).encode("utf-8")
        out += str(len(b)).encode() + b":" + b + b","
    return out


def main(path):
    last_seq, last_hash, n = 0, "", 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            n += 1
            if rec["seq"] != last_seq + 1:
                print(f"BROKEN at {rec['seq']}: records missing or out of order")
                return 1
            if rec["prev_hash"] != last_hash:
                print(f"BROKEN at {rec['seq']}: does not link to previous hash")
                return 1
            if hashlib.sha256(canonical(rec)).hexdigest() != rec["hash"]:
                print(f"BROKEN at {rec['seq']}: content does not match hash")
                return 1
            last_seq, last_hash = rec["seq"], rec["hash"]
    print(f"OK {n} records, head {last_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
