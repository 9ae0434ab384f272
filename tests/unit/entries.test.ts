// What each entry point pulls in (esbuild's view of src/, as a bundler sees it):
// 'h5kit/read' has no writer, editor, encoder or pako; 'h5kit/node' has no
// pako (node:zlib instead); 'h5kit' provides pako's deflate encoder.
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function inputsOf(entry: string, platform: 'browser' | 'node'): string[] {
  const r = buildSync({ entryPoints: [join(ROOT, entry)], bundle: true, write: false, metafile: true, format: 'esm', platform, logLevel: 'silent', absWorkingDir: ROOT });
  return Object.keys(r.metafile!.inputs);
}

describe('entry points', () => {
  it("'h5kit/read' reads without the writer, the editor, any encoder or pako", () => {
    const inputs = inputsOf('src/read.ts', 'browser');
    expect(inputs).toContain('src/filters/inflate.ts');
    expect(inputs.filter((f) => /^src\/(writer|edit)\/|node_modules\/pako|deflate-encode|scaleoffset-encode|encoders\.ts|pipeline-encode/.test(f))).toEqual([]);
  });

  it("'h5kit/read' loads the readers of rare structures only on demand (a chunk of their own)", () => {
    const r = buildSync({
      entryPoints: [join(ROOT, 'src/read.ts')],
      bundle: true, splitting: true, outdir: join(ROOT, 'tests/tmp/entries-split'), write: false, metafile: true, format: 'esm', platform: 'browser', logLevel: 'silent', absWorkingDir: ROOT,
    });
    const outputs = Object.values(r.metafile!.outputs);
    const entry = outputs.find((o) => o.entryPoint === 'src/read.ts')!;
    const upFront = new Set(Object.keys(entry.inputs));
    for (const i of entry.imports) if (i.kind === 'import-statement') for (const f of Object.keys(r.metafile!.outputs[i.path]?.inputs ?? {})) upFront.add(f);
    const RARE = ['src/filters/nbit.ts', 'src/filters/scaleoffset.ts', 'src/filters/lzf.ts', 'src/model/virtual.ts', 'src/model/shared-messages.ts', 'src/format/cache-image.ts', 'src/model/references.ts', 'src/format/chunk-index/fixed-array.ts', 'src/format/chunk-index/extensible-array.ts', 'src/format/chunk-index/btree-v2-chunks.ts', 'src/model/dense.ts', 'src/format/fractal-heap.ts', 'src/format/btree-v2.ts'];
    expect(RARE.filter((f) => upFront.has(f))).toEqual([]);
    // ... and they are in the bundle, behind the dynamic import.
    const lazy = outputs.filter((o) => o !== entry && entry.imports.some((i) => i.kind === 'dynamic-import' && r.metafile!.outputs[i.path] === o));
    expect(lazy.length).toBe(1);
    const inLazy = new Set(lazy.flatMap((o) => Object.keys(o.inputs)));
    expect(RARE.filter((f) => !inLazy.has(f) && !Object.values(r.metafile!.outputs).some((o) => o !== entry && o.inputs[f]))).toEqual([]);
  });

  it("'h5kit/node' never loads pako", () => {
    const inputs = inputsOf('src/node/index.ts', 'node');
    expect(inputs).toContain('src/writer/serialize.ts');
    expect(inputs.filter((f) => /pako|deflate-encode/.test(f))).toEqual([]);
  });

  it("'h5kit' brings pako's deflate for writing in any runtime", () => {
    expect(inputsOf('src/index.ts', 'browser').some((f) => f.includes('node_modules/pako'))).toBe(true);
  });
});
