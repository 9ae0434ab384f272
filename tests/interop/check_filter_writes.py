#!/usr/bin/python3
"""Check nbit/scaleoffset datasets written by h5kit against libhdf5.

    /usr/bin/python3 tests/interop/check_filter_writes.py FILE SPEC.json

SPEC: {"datasets": [{"path": ..., "values": [...], "tolerance": 0, "lossy": false}]},
values flat in C order (64-bit integers as strings, compound elements as
objects): what h5kit was given to write.

For every dataset:
  1. h5py reads it and the values must equal the spec's (floats within
     `tolerance`; not checked for datasets marked `lossy`);
  2. a twin made by libhdf5 itself (same type, chunks, fill value, and the
     same filter asked for through H5Pset_nbit / H5Pset_scaleoffset) must
     get the same client data from libhdf5's set_local callbacks;
  3. when the pipeline is only that filter, the twin receives the same
     values in one write, and its stored chunks must equal h5kit's byte for
     byte (except the one byte libhdf5 leaves uninitialised after the
     scale-offset header when minbits is 0).

Prints one JSON object: {"problems": [...], "chunks": N}.
"""
import json
import os
import sys

import h5py
import numpy as np
from h5py import h5d, h5p, h5s

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from h5lowlevel import check, lib  # noqa: E402

problems = []


def plain(v):
    """numpy value -> JSON-like Python value (bytes decoded)."""
    if isinstance(v, np.void) and v.dtype.names:
        return {k: plain(v[k]) for k in v.dtype.names}
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()] if v.dtype.names is None else [plain(x) for x in v]
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).rstrip(b"\0").decode("utf-8")
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, tuple):
        return [plain(x) for x in v]
    return v


def same(a, b, tol, where):
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            problems.append("%s: fields %s vs %s" % (where, sorted(a), sorted(b)))
            return
        for k in a:
            same(a[k], b[k], tol, "%s.%s" % (where, k))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append("%s: %d vs %d values" % (where, len(a), len(b)))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, tol, "%s[%d]" % (where, i))
    elif isinstance(a, str) != isinstance(b, str) and all(isinstance(x, (str, int)) for x in (a, b)):
        # 64-bit integers are strings in the spec.
        if str(a) != str(b):
            problems.append("%s: %r vs %r" % (where, a, b))
    elif isinstance(a, float) or isinstance(b, float):
        if not abs(float(a) - float(b)) <= tol:
            problems.append("%s: %r vs %r (tolerance %g)" % (where, a, b, tol))
    elif a != b:
        problems.append("%s: %r vs %r" % (where, a, b))


def twin_of(ds, mem):
    """A libhdf5-made dataset with the same type, chunks, fill value and filter."""
    ours = ds.id.get_create_plist()
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_chunk(ds.chunks)
    fill = np.zeros((1,), dtype=ds.dtype)
    ours.get_fill_value(fill)
    status = ours.fill_value_defined()
    if status == h5d.FILL_VALUE_USER_DEFINED:
        dcpl.set_fill_value(fill)
    elif status == h5d.FILL_VALUE_UNDEFINED:
        check(lib().H5Pset_fill_value(dcpl.id, ds.id.get_type().id, None), "H5Pset_fill_value")
    first = ours.get_filter(0)
    if first[0] == 5:
        check(lib().H5Pset_nbit(dcpl.id), "H5Pset_nbit")
    else:
        dcpl.set_scaleoffset(first[2][0], first[2][1])
    space = h5s.create_simple(ds.shape)
    name = ds.name.replace("/", "_").encode()
    return h5py.Dataset(h5d.create(mem.id, name, ds.id.get_type(), space, dcpl=dcpl))


def client_data(ds):
    # h5py 3.7's get_filter copies at most 16 values; ask libhdf5 directly.
    import ctypes
    fn = lib().H5Pget_filter2
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_int64, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint),
                   ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_uint),
                   ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint)]
    room = 256  # libhdf5 rejects larger counts as "probably uninitialized"
    values = (ctypes.c_uint * room)()
    count = ctypes.c_size_t(room)
    flags, config = ctypes.c_uint(0), ctypes.c_uint(0)
    name = ctypes.create_string_buffer(256)
    dcpl = ds.id.get_create_plist()  # kept alive: the id closes with the object
    check(fn(dcpl.id, 0, ctypes.byref(flags), ctypes.byref(count), values, len(name), name,
             ctypes.byref(config)), "H5Pget_filter2")
    return [int(values[i]) for i in range(count.value)]


def main():
    path, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        spec = json.load(f)
    chunks = 0
    mem = h5py.File("twins", "w", driver="core", backing_store=False)
    with h5py.File(path, "r") as f:
        for entry in spec["datasets"]:
            where = entry["path"]
            ds = f[where]
            if not entry.get("lossy"):
                same(plain(ds[...].reshape(-1)), entry["values"], entry.get("tolerance") or 0, where)
            twin = twin_of(ds, mem)
            if client_data(twin) != client_data(ds):
                problems.append("%s: client data %s, libhdf5 computes %s" % (where, client_data(ds), client_data(twin)))
            if ds.id.get_create_plist().get_nfilters() != 1:
                continue
            kind = ds.dtype.kind
            if kind in "iu":
                # The values h5kit was given (lossy datasets read back differently).
                twin[...] = np.array([int(v) for v in entry["values"]], dtype=ds.dtype).reshape(ds.shape)
            elif kind == "f":
                twin[...] = np.array([float(v) for v in entry["values"]], dtype=ds.dtype).reshape(ds.shape)
            else:
                # Compounds: n-bit is lossless, what h5py reads is what was written.
                twin[...] = ds[...]
            mem.flush()
            for i in range(ds.id.get_num_chunks()):
                offset = tuple(int(x) for x in ds.id.get_chunk_info(i).chunk_offset)
                mask, raw = ds.id.read_direct_chunk(offset)
                tmask, traw = twin.id.read_direct_chunk(offset)
                ours, theirs = bytearray(raw), bytearray(traw)
                if ds.id.get_create_plist().get_filter(0)[0] == 6 and len(theirs) == 22 and theirs[0] == 0:
                    ours[21:] = theirs[21:] = b""
                if mask != tmask or ours != theirs:
                    problems.append("%s chunk %s: h5kit stored %d bytes (mask %d) %s..., libhdf5 %d bytes (mask %d) %s..." % (
                        where, offset, len(raw), mask, bytes(raw[:24]).hex(), len(traw), tmask, bytes(traw[:24]).hex()))
                chunks += 1
    mem.close()
    print(json.dumps({"problems": problems[:50], "chunks": chunks}))


if __name__ == "__main__":
    main()
