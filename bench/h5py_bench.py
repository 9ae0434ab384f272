#!/usr/bin/env python3
"""h5py (native libhdf5) side of the benchmark, run by bench/run.mjs.

  h5py_bench.py run <workload> '<json args>'   one workload in this process (same protocol as child.mjs)
  h5py_bench.py gen-refs '<json args>'         write the reference files every reader reads
  h5py_bench.py verify <kind> <path>           read a file another tool wrote back; print what was found
  h5py_bench.py reference                      physical reference points (numpy copy, zlib)
  h5py_bench.py versions                       versions of python/h5py/libhdf5/numpy

Every command prints one JSON line on stdout.
"""
import hashlib
import json
import os
import resource
import sys
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')
N = 16_777_216
W3_CHUNK = 262_144
W5_GROUPS, W5_PER_GROUP, W5_LEN = 100, 100, 100
W7_SIDE, W7_CHUNK = 8192, 256
W7_SLICE = (slice(4000, 4100), slice(1000, 1100))
REFS_VERSION = 1


def insum(a):
    """In-order float64 sum, bit-identical to the JS side's plain loop."""
    a = np.asarray(a, dtype=np.float64).ravel()
    return float(np.cumsum(a)[-1]) if a.size else 0.0


def sha1(a):
    return hashlib.sha1(np.ascontiguousarray(a).view(np.uint8)).hexdigest()


def array_check(a):
    return {'n': int(a.size), 'sum': insum(a), 'sha1': sha1(a)}


def load_f64(n=N):
    return np.fromfile(os.path.join(DATA, 'w1-input.f64'), dtype='<f8', count=n)


def load_f32(n=N):
    return np.fromfile(os.path.join(DATA, 'w3-input.f32'), dtype='<f4', count=n)


def w5_layout(groups=W5_GROUPS, per=W5_PER_GROUP):
    out = []
    j = np.arange(W5_LEN, dtype=np.float64) / 100
    for g in range(groups):
        ds = []
        for i in range(per):
            k = g * per + i
            ds.append((k, 'd%05d' % k, 'dataset %d' % k, k + j))
        out.append(('g%03d' % g, ds))
    return out


# ---- workloads: prepare(args) untimed, run(input, args) timed, check(result) untimed

def write_one(data, path, **kw):
    with h5py.File(path, 'w') as f:
        f.create_dataset('data', data=data, **kw)
    return {'path': path}


def read_all(path):
    with h5py.File(path, 'r') as f:
        return f['data'][()]


def w5_write(layout, a):
    with h5py.File(a['path'], 'w') as f:
        for gname, ds in layout:
            grp = f.create_group(gname)
            for k, dname, label, data in ds:
                d = grp.create_dataset(dname, data=data)
                d.attrs['name'] = label
                d.attrs['index'] = np.int64(k)
    return {'path': a['path']}


def w6_walk(_, a):
    items = []
    with h5py.File(a['path'], 'r') as f:
        for gname in f:
            g = f[gname]
            for dname in g:
                d = g[dname]
                items.append((d[()], d.attrs['index'], d.attrs['name']))
    return items


def walk_check(items):
    s = 0.0
    idx = 0
    chars = 0
    groups = set()
    for values, index, label in items:
        if not isinstance(label, str):
            raise TypeError('name attribute is %r, not a str' % type(label))
        s += insum(values)
        idx += int(index)
        chars += len(label)
        groups.add(int(index) // W5_PER_GROUP)
    return {'groups': len(groups), 'datasets': len(items), 'sum': s, 'indexSum': idx, 'labelChars': chars}


def w7_read(_, a):
    with h5py.File(a['path'], 'r') as f:
        return f['data'][W7_SLICE]


def w8_list(_, a):
    with h5py.File(a['path'], 'r') as f:
        k = list(f.keys())
    return {'keys': len(k), 'first': k[0], 'last': k[-1]}


def chunk_of(a):
    return [min(W3_CHUNK, a['n'] if a.get('n') else N)]


WORKLOADS = {
    'W1': (lambda a: load_f64(a.get('n') or N), lambda d, a: write_one(d, a['path']), None),
    'W2': (None, lambda _, a: read_all(a['path']), array_check),
    'W3': (lambda a: load_f32(a.get('n') or N),
           lambda d, a: write_one(d, a['path'], chunks=(min(W3_CHUNK, d.size),), compression='gzip', compression_opts=4), None),
    'W3s': (lambda a: load_f32(a.get('n') or N),
            lambda d, a: write_one(d, a['path'], chunks=(min(W3_CHUNK, d.size),), compression='gzip', compression_opts=4, shuffle=True), None),
    'W4': (None, lambda _, a: read_all(a['path']), array_check),
    'W4s': (None, lambda _, a: read_all(a['path']), array_check),
    'W5': (lambda a: w5_layout(a.get('groups', W5_GROUPS), a.get('per', W5_PER_GROUP)), w5_write, None),
    'W6': (None, w6_walk, walk_check),
    'W7': (None, w7_read, array_check),
    'W8': (None, w8_list, None),
}


def max_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def cmd_run(wid, a):
    prepare, run, check = WORKLOADS[wid]
    prepare = prepare or (lambda _: None)
    check = check or (lambda r: r)
    warmup_ms = None
    if a.get('warm'):
        w = a['warm']
        inp = prepare(w)
        t0 = time.perf_counter()
        r = run(inp, w)
        warmup_ms = (time.perf_counter() - t0) * 1e3
        check(r)
        if w.get('remove'):
            os.remove(w['path'])
        del inp, r
    inp = prepare(a)
    times = []
    result = None
    for _ in range(a.get('inner', 1)):
        result = None
        t0 = time.perf_counter()
        result = run(inp, a)
        times.append((time.perf_counter() - t0) * 1e3)
    ms = sorted(times)[len(times) // 2]
    return {'tool': 'h5py', 'id': wid, 'ms': ms, 'times': times, 'warmupMs': warmup_ms,
            'check': check(result), 'maxRSSKiB': max_rss_kib()}


def gen_w7(path):
    """8192x8192 float32, chunks 256x256, gzip 4: a smooth field plus small noise (PCG64, seed 7)."""
    rng = np.random.Generator(np.random.PCG64(7))
    x = np.arange(W7_SIDE, dtype=np.float64) * (2 * np.pi / W7_SIDE)
    cols = np.cos(5 * x) + 0.3 * np.sin(17 * x)
    tmp = path + '.tmp'
    with h5py.File(tmp, 'w') as f:
        d = f.create_dataset('data', shape=(W7_SIDE, W7_SIDE), dtype='<f4', chunks=(W7_CHUNK, W7_CHUNK),
                             compression='gzip', compression_opts=4)
        for r0 in range(0, W7_SIDE, W7_CHUNK):
            rows = 100 * np.sin(3 * x[r0:r0 + W7_CHUNK])
            block = rows[:, None] * cols[None, :] + 0.05 * (rng.random((W7_CHUNK, W7_SIDE)) - 0.5)
            d[r0:r0 + W7_CHUNK] = block.astype('<f4')
    os.replace(tmp, path)


def cmd_gen_refs(a):
    """Reference files (h5py's defaults: classic format) for the read workloads; reuses what is up to date."""
    meta_path = a['meta']
    key = {'version': REFS_VERSION, 'inputs': a['inputs']}
    old = {}
    if os.path.exists(meta_path):
        with open(meta_path) as fh:
            old = json.load(fh)
    fresh = old.get('key') == key and all(os.path.exists(a[k]) for k in ('w1', 'w3', 'w3s', 'w5'))
    if not fresh:
        f64, f32 = load_f64(), load_f32()
        write_one(f64, a['w1'])
        write_one(f32, a['w3'], chunks=(W3_CHUNK,), compression='gzip', compression_opts=4)
        write_one(f32, a['w3s'], chunks=(W3_CHUNK,), compression='gzip', compression_opts=4, shuffle=True)
        w5_write(w5_layout(), {'path': a['w5']})
    w7 = old.get('w7') if old.get('w7', {}).get('version') == REFS_VERSION and os.path.exists(a['w7']) else None
    if w7 is None:
        gen_w7(a['w7'])
        w7 = {'version': REFS_VERSION, 'slice': array_check(w7_read(None, {'path': a['w7']}))}
    out = {'key': key, 'w7': w7, 'sizes': {k: os.path.getsize(a[k]) for k in ('w1', 'w3', 'w3s', 'w5', 'w7')},
           'regenerated': not fresh}
    with open(meta_path, 'w') as fh:
        json.dump(out, fh, indent=2)
    return out


def cmd_reference(reps=5):
    """Python-side reference points: numpy copy of 128 MiB; zlib (the libz libhdf5 uses) on W3's chunks."""
    import zlib
    results = []

    def measure(name, nbytes, fn):
        fn()
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        results.append({'name': name, 'bytes': nbytes, 'ms': sorted(times)[len(times) // 2], 'times': times})

    f64 = load_f64()
    dst = np.empty_like(f64)
    measure('numpy copyto 128 MiB', f64.nbytes, lambda: np.copyto(dst, f64))
    # W2's floor: one pread of 128 MiB (page cache) into a freshly allocated array, as h5py
    # does, with numpy's transparent huge pages (madvise; numpy's default on Linux) and without.
    fd = os.open(os.path.join(DATA, 'w1-input.f64'), os.O_RDONLY)
    default_hp = np.core.multiarray._get_madvise_hugepage()
    try:
        for hp in (True, False):
            np.core.multiarray._set_madvise_hugepage(hp)
            measure('pread 128 MiB into a fresh numpy array, huge pages %s%s' % ('on' if hp else 'off', ' (numpy default)' if hp == default_hp else ''),
                    f64.nbytes, lambda: os.preadv(fd, [memoryview(np.empty(f64.size)).cast('B')], 0))
    finally:
        np.core.multiarray._set_madvise_hugepage(default_hp)
        os.close(fd)
    plain = load_f32().view(np.uint8)
    cb = W3_CHUNK * 4
    shuffled = np.ascontiguousarray(plain.reshape(-1, W3_CHUNK, 4).transpose(0, 2, 1)).ravel()
    for label, b in (('', plain), (' shuffled', shuffled)):
        parts = [b[i:i + cb] for i in range(0, b.size, cb)]
        some = parts[:16]
        measure('python zlib %s deflate L4 16 MiB%s' % (zlib.ZLIB_RUNTIME_VERSION, label), 16 * cb,
                lambda: [zlib.compress(p, 4) for p in some])
        out = [zlib.compress(p, 4) for p in parts]
        measure('python zlib %s inflate 64 MiB%s' % (zlib.ZLIB_RUNTIME_VERSION, label), b.size,
                lambda: [zlib.decompress(p) for p in out])
        results.append({'name': 'deflate L4 output for 64 MiB%s: python zlib %d B' % (label, sum(map(len, out))),
                        'bytes': 0, 'ms': None})
    return results


def describe_filters(d):
    out = []
    if d.shuffle:
        out.append('shuffle')
    if d.compression:
        out.append('%s%s' % (d.compression, d.compression_opts))
    return out


def cmd_verify(kind, path):
    with h5py.File(path, 'r') as f:
        if kind in ('W1', 'W3', 'W3s'):
            d = f['data']
            a = d[()]
            return {**array_check(a), 'dtype': d.dtype.str, 'shape': list(d.shape),
                    'chunks': list(d.chunks) if d.chunks else None, 'filters': describe_filters(d),
                    'fileBytes': os.path.getsize(path)}
        if kind == 'W5':
            items = []
            types = set()
            for gname in f:
                g = f[gname]
                for dname in g:
                    d = g[dname]
                    items.append((d[()], d.attrs['index'], d.attrs['name']))
                    if len(types) < 4:
                        types.add('%s:%s,name:%s,index:%s' % (
                            d.dtype.str, list(d.shape),
                            'vlen-str' if h5py.check_string_dtype(d.attrs.get_id('name').dtype) else d.attrs.get_id('name').dtype.str,
                            d.attrs.get_id('index').dtype.str))
            return {**walk_check(items), 'types': sorted(types), 'fileBytes': os.path.getsize(path)}
    raise ValueError(kind)


def main():
    cmd = sys.argv[1]
    if cmd == 'run':
        out = cmd_run(sys.argv[2], json.loads(sys.argv[3]))
    elif cmd == 'gen-refs':
        out = cmd_gen_refs(json.loads(sys.argv[2]))
    elif cmd == 'verify':
        out = cmd_verify(sys.argv[2], sys.argv[3])
    elif cmd == 'reference':
        out = cmd_reference()
    elif cmd == 'versions':
        out = {'python': sys.version.split()[0], 'h5py': h5py.__version__, 'libhdf5': h5py.version.hdf5_version,
               'numpy': np.__version__}
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
