/**
 * h5kit: HDF5 read and written in pure TypeScript. This entry point is the
 * browser-safe core: no Node APIs. Node-only pieces are in `h5kit/node`;
 * 'h5kit/read' is the reading subset on its own.
 */
import { deflateChunk } from './filters/deflate-encode.js';
import { provideEncoder } from './filters/encoders.js';
import { ALL_READERS } from './on-demand/all.js';
import { provideModules } from './on-demand/registry.js';

// The portable deflate encoder. It is provided here, by the entry, rather than
// imported by the writer, so that 'h5kit/node' (node:zlib) never loads pako;
// package.json lists this file under "sideEffects" so bundlers keep this call.
provideEncoder(1, deflateChunk);
// Every reader up front: only 'h5kit/read' loads rare ones on demand (src/on-demand/).
provideModules(ALL_READERS);

export * from './library.js';
