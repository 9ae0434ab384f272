import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The core (everything `import 'h5kit'` loads) must run in browsers, Deno, Bun
// and workerd: no Node modules, no Buffer, no process. Only src/node may.
const src = join(__dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('browser-safe core', () => {
  it('has no Node APIs outside src/node', () => {
    const offenders = files(src)
      .filter((p) => !relative(src, p).startsWith('node'))
      .filter((p) => /from ['"]node:|require\(|\bBuffer\b|\bprocess\.|from ['"](fs|path|os|zlib|child_process)['"]/.test(readFileSync(p, 'utf8')))
      .map((p) => relative(src, p));
    expect(offenders).toEqual([]);
  });
});
