import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type File } from '../../src/index.js';
import { readObjectHeader, type ObjectHeader } from '../../src/format/object-header.js';
import { groupLinks, isGroupHeader } from '../../src/model/links.js';
import { FIXTURES } from '../helpers/fixtures.js';

/** Every object header reachable by hard links, with its path (each address once). */
export function objectHeaders(file: File): { path: string; header: ObjectHeader }[] {
  const ctx = file.context;
  const out: { path: string; header: ObjectHeader }[] = [];
  const seen = new Set<number>();
  const visit = (address: number, path: string) => {
    if (seen.has(address)) return;
    seen.add(address);
    const header = readObjectHeader(ctx, address);
    out.push({ path, header });
    if (!isGroupHeader(header)) return;
    const hint = path === '/' ? file.superblock.rootEntry : undefined;
    for (const l of groupLinks(ctx, header, hint)) {
      if (l.kind === 'hard') visit(l.address, (path === '/' ? '' : path) + '/' + l.name);
    }
  };
  visit(file.superblock.rootObjectHeaderAddress, '/');
  return out;
}

export function openFixture(name: string): File {
  return open(new Uint8Array(readFileSync(join(FIXTURES, 'messages', name))));
}
