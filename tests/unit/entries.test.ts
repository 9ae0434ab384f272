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

  it("'h5kit/node' never loads pako", () => {
    const inputs = inputsOf('src/node/index.ts', 'node');
    expect(inputs).toContain('src/writer/serialize.ts');
    expect(inputs.filter((f) => /pako|deflate-encode/.test(f))).toEqual([]);
  });

  it("'h5kit' brings pako's deflate for writing in any runtime", () => {
    expect(inputsOf('src/index.ts', 'browser').some((f) => f.includes('node_modules/pako'))).toBe(true);
  });
});
