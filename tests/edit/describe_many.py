#!/usr/bin/python3
"""Describe many HDF5 files in one process (the editing tests call it once per batch).

    /usr/bin/python3 tests/edit/describe_many.py [--full] FILE...

Prints a JSON list, one item per file: {"hash": sha256 of the canonical
description (tests/fixtures/describe.py, keys sorted)} or {"error": why
h5py could not open or read it}; with --full, "entries" holds the
description itself.
"""

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from describe import describe_file  # noqa: E402


def main(args):
    full = args[:1] == ["--full"]
    if full:
        args = args[1:]
    out = []
    for path in args:
        try:
            entries = describe_file(path)
            text = json.dumps(entries, sort_keys=True, ensure_ascii=False)
            item = {"hash": hashlib.sha256(text.encode("utf-8")).hexdigest()}
            if full:
                item["entries"] = entries
        except Exception as exc:  # a corrupted file: report, never crash the batch
            item = {"error": "%s: %s" % (type(exc).__name__, exc)}
        out.append(item)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
