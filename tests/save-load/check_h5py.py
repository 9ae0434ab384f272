#!/usr/bin/python3
"""Check that a file written by h5kit's save() reads in h5py with natural types.

    /usr/bin/python3 tests/save-load/check_h5py.py FILE

Prints one JSON object: for every dataset path, its numpy dtype string, shape,
h5kit_type marker (if any) and a JSON-able value, so the TypeScript test can
compare with what it saved.
"""
import json
import sys

import h5py
import numpy as np


def value(ds):
    if ds.shape is None:
        return None
    v = ds[()]
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O":
            return [x.decode("utf-8") if isinstance(x, bytes) else x for x in v.ravel().tolist()]
        return [str(x) if v.dtype.itemsize == 8 and v.dtype.kind in "iu" else x for x in v.ravel().tolist()]
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return str(int(v))
    if isinstance(v, np.floating):
        return float(v)
    return str(v)


out = {}


def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        marker = obj.attrs.get("h5kit_type")
        if isinstance(marker, bytes):
            marker = marker.decode()
        out["/" + name] = {
            "dtype": "empty" if obj.shape is None else obj.dtype.str if obj.dtype.kind != "O" else "str",
            "kind": obj.dtype.kind,
            "shape": None if obj.shape is None else list(obj.shape),
            "marker": marker,
            "value": value(obj),
        }


with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
print(json.dumps(out))
