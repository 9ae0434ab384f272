"""Check files written by tests/save-load/children/saver.ts with h5py.

stdin: JSON list of {"file", "groups": {prefix: [allowed key-count, ...]}}.
For each prefix, the file must hold exactly keys k0..k(n-1) for one allowed n,
each a group whose "data" is i*10000 + arange(4096) (float64) and whose
"name" is the key path (the values of children/values.ts).
stdout: JSON list of {"file", "ok", "detail"}.
"""
import json
import sys

import h5py
import numpy as np

BASE = np.arange(4096, dtype="<f8")


def check(case):
    try:
        with h5py.File(case["file"], "r") as f:
            for prefix, allowed in case["groups"].items():
                keys = sorted(f[prefix].keys(), key=lambda k: int(k[1:])) if prefix in f else []
                n = len(keys)
                if keys != [f"k{i}" for i in range(n)]:
                    return f"{prefix}: keys {keys} are not k0..k{n - 1}"
                if n not in allowed:
                    return f"{prefix}: {n} keys, expected one of {allowed}"
                for i, k in enumerate(keys):
                    g = f[prefix][k]
                    d = g["data"]
                    if d.dtype != np.dtype("<f8") or not np.array_equal(d[()], BASE + i * 10000):
                        return f"{prefix}/{k}/data differs"
                    name = g["name"][()]
                    name = name.decode() if isinstance(name, bytes) else name
                    if name != f"{prefix}/k{i}":
                        return f"{prefix}/{k}/name is {name!r}"
        return None
    except Exception as e:  # the file does not open: that is the failure being tested for
        return f"{type(e).__name__}: {e}"


out = []
for case in json.load(sys.stdin):
    why = check(case)
    out.append({"file": case["file"], "ok": why is None, "detail": why})
print(json.dumps(out))
