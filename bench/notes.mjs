// Why h5kit misses a target: written by hand from `node --cpu-prof` profiles
// and syscall/allocation counts taken on 2026-11-24 (h5kit 0.1.0, commits
// ccbc2a2–9a23abe). RESULTS.md shows a note next to the automatic profile
// summary of the current run, and only when that target is missed; re-check
// the notes when the code changes.
export const NOTES = {
  W1: "since the previous run the typed array is written as is (no copy when it already has the file's layout) and createFile no longer fsyncs; what remains is one pwrite of 128 MiB from the caller's buffer plus module load, as h5py.",
  W2: 'one 128 MiB pread into a freshly allocated buffer (FileSource.read), as libhdf5 does; the remaining gap is page-faulting the fresh buffer and is close to the noise here.',
  W3: "deflate runs in pako (pure JS): ~90% of the samples are in pako's deflate_slow/longest_match/slide_hash/compress_block. On these bytes pako level 4 is ~2.5–4× slower than zlib 1.2.13 in h5py (see reference points), and its output is ~11% larger (52.9 vs 47.5 MB, the same bytes as Chromium's zlib in node:zlib). Reaching ≤ 0.5× needs native zlib on Node plus compressing chunks in parallel.",
  W3s: 'as W3: pako deflate dominates (slide_hash alone is ~16–19%); the shuffle costs ~1%. Same remedy: native zlib on Node plus chunks compressed in parallel.',
  W4: "inflate runs in pako (inflate_fast + inflate ≈ 75% of samples); node:zlib inflates the same chunks 2–4× faster (reference points). Native zlib on Node would bring W4 to about h5py's time; ≤ 0.6× also needs decoding chunks in parallel.",
  W4s: 'pako inflate first, then copyBox and unshuffle (~8–10% each): every 1 MiB chunk is inflated into a new buffer, unshuffled into another new buffer and then copied into the output (src/model/storage.ts readChunked → copyBox), although a chunk lying wholly inside the selection could be decoded straight into it.',
  W5: 'about 2 unbuffered pwrite syscalls per dataset (21,797 writes for 10,000 datasets, 98% of them under 1 KiB: raw data and object header written separately through FileSink.write, src/node/file-sink.ts), plus GC; coalescing adjacent small writes would remove most syscalls.',
  W6: "resolveMessage (src/model/header-messages.ts) builds an error label with messageName() for every message it resolves, and messageName allocates Object.entries(MessageType) each time: ~13% self time plus GC. Then ~4.6 unbuffered preads per dataset (45,717 for 10,000 datasets, half under 64 B, no read-ahead in FileSource), and every group listing re-sorts names with compareNames (see W8).",
  W7: "the 4 touched 256 KiB chunks are inflated by pako (inflate_fast dominates); libz in h5py and the WASM zlib in h5wasm are several times faster on the same chunks.",
  W8: 'Group.keys() re-sorts the 100 link names with compareNames (src/model/links.ts), which UTF-8-encodes both names with TextEncoder on every comparison (~60% of open + keys on bytes in memory), although symbol-table links already come in name order; plus 57 small preads (each SNOD node is read as an 8-byte header, then its entries).',
  S0: "the module is ~350 kB of JS compiled at once and imports pako eagerly (~8 ms on its own; the float16 table is built lazily now). A synchronous API cannot load pako on first use (dynamic import is async); a read-only entry without the writer and pako's deflate would cut what is compiled.",
  'bundle-read': 'tree-shaking removes almost nothing (read-only ≈ full): File has a static create() that references WritableFile, so the whole writer comes along (src/writer, api/writable, model/encode), and the filter registry pulls every filter and all of pako, deflate included (see the breakdown under the bundle table).',
  'bundle-full': 'pako (40 kB minified, ~13 kB gz), readers for both file formats and every chunk index, and both writers; see the breakdown under the bundle table.',
};
