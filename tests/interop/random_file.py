#!/usr/bin/python3
"""Write a random HDF5 file with h5py and print its h5-expected/1 description.

    /usr/bin/python3 tests/interop/random_file.py SEED OUT.h5 [earliest|latest]

Used by tests/interop/h5py.test.ts: h5kit must read every file this makes
exactly as h5py describes it. Shapes, dtypes, chunking and filters are drawn
from a seeded generator so a failure can be reproduced from its seed.
"""
import json
import os
import sys

import numpy as np
import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from describe import describe_file  # noqa: E402

DTYPES = ["<i1", "<u1", "<i2", ">i2", "<u2", "<i4", ">u4", "<i8", ">u8", "<f2", ">f2", "<f4", ">f4", "<f8", ">f8", "?", "<c8"]


def main():
    seed, out = int(sys.argv[1]), sys.argv[2]
    libver = sys.argv[3] if len(sys.argv) > 3 else "earliest"
    rng = np.random.default_rng(seed)
    with h5py.File(out, "w", libver=libver) as f:
        for i in range(int(rng.integers(3, 9))):
            g = f if rng.random() < 0.5 else f.require_group("g%d" % rng.integers(0, 3))
            rank = int(rng.integers(0, 4))
            shape = tuple(int(rng.integers(1, 13)) for _ in range(rank))
            dt = np.dtype(DTYPES[int(rng.integers(0, len(DTYPES)))])
            if dt.kind == "b":
                data = rng.random(shape) < 0.5
            elif dt.kind in "iu":
                info = np.iinfo(dt)
                data = rng.integers(info.min, info.max, size=shape, dtype=dt.newbyteorder("="), endpoint=True)
            elif dt.kind == "c":
                data = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
            else:
                data = (rng.standard_normal(shape) * 1000).astype(dt)
            kw = {}
            if rank > 0 and rng.random() < 0.6:
                kw["chunks"] = tuple(int(rng.integers(1, s + 1)) for s in shape)
                if rng.random() < 0.5:
                    kw["compression"] = "gzip"
                    kw["compression_opts"] = int(rng.integers(1, 10))
                if rng.random() < 0.4:
                    kw["shuffle"] = True
                if rng.random() < 0.3:
                    kw["fletcher32"] = True
                if rng.random() < 0.3:
                    kw["maxshape"] = tuple(None if rng.random() < 0.5 else s for s in shape)
            ds = g.create_dataset("d%d" % i, data=np.asarray(data, dtype=dt), **kw)
            ds.attrs["n"] = int(rng.integers(-1000, 1000))
            ds.attrs["label"] = "dataset %d" % i
    print(json.dumps(describe_file(out, summary_threshold=100000)))


if __name__ == "__main__":
    main()
