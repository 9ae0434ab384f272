#!/usr/bin/python3
"""Compare many (reference, ours) JSON pairs in one process.

Usage: compare_many.py SHARED_TOOLS_DIR < pairs.tsv
Each input line is "REF.json<TAB>OURS.json"; each output line is a JSON
object {"ref": ..., "diffs": [...]} using the shared compare_json.compare().
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
from compare_json import compare  # noqa: E402

for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    ref, ours = line.split("\t")
    try:
        with open(ref, encoding="utf-8") as fh:
            expected = json.load(fh)
        with open(ours, encoding="utf-8") as fh:
            actual = json.load(fh)
        diffs = compare(expected, actual)
    except Exception as ex:  # unreadable JSON counts as a failure, not a crash
        diffs = ["cannot compare: %s" % ex]
    print(json.dumps({"ref": ref, "diffs": diffs[:5]}), flush=True)
