import { readFileSync } from 'node:fs';
import { H5Error } from '../errors.js';
import { load, openFile, repackFile } from './index.js';
import { Group, joinPath } from '../api/group.js';
import { Dataset } from '../api/dataset.js';
import { dtypeString } from '../api/dtype-string.js';
import { describeFile } from '../dump/describe.js';
import { createFileFromJson } from './create-from-json.js';

const USAGE = `usage:
  h5kit ls FILE [PATH]                 list objects recursively (like h5ls -r)
  h5kit get FILE KEY                   print a value as JSON (large arrays summarised)
  h5kit dump --json FILE [--summary-threshold N]
                                       print the h5-expected/1 description
  h5kit create OUT.h5 --from-json DESC.json [--libver earliest|latest] [--userblock-from FILE]
                                       build a file from an h5-expected/1
                                       description with full values; a user
                                       block it records takes the first bytes
                                       of FILE (the description has only a hash)
  h5kit repack IN.h5 OUT.h5 [--libver earliest|latest]
                                       rewrite a file compactly (only what is
                                       reachable; chunks copied as stored)
  h5kit --version`;

function ls(path: string, start = '/'): string[] {
  const f = openFile(path);
  try {
    const out: string[] = [];
    const root = f.get(start);
    const line = (p: string, desc: string) => out.push(`${p.padEnd(32)} ${desc}`);
    const seen = new Set<number>();
    const walk = (g: Group) => {
      for (const l of g.links()) {
        const p = joinPath(g.name, l.name);
        if (l.kind === 'soft') line(p, `Soft Link {${l.target}}`);
        else if (l.kind === 'external') line(p, `External Link {${l.file}//${l.target}}`);
        else if (l.kind === 'user-defined') line(p, `User-defined Link (type ${l.linkType})`);
        else {
          const obj = f.objectAt(l.address, p);
          if (seen.has(l.address)) {
            line(p, `${obj.kind === 'group' ? 'Group' : obj.kind === 'dataset' ? 'Dataset' : 'Type'}, same as an earlier object`);
            continue;
          }
          seen.add(l.address);
          if (obj instanceof Group) {
            line(p, 'Group');
            walk(obj);
          } else if (obj instanceof Dataset) {
            const s = obj.shape;
            const shape = s === null ? 'NULL' : s.length === 0 ? 'SCALAR' : `{${s.map((d, i) => (obj.maxshape![i] === d ? `${d}` : `${d}/${obj.maxshape![i] ?? 'Inf'}`)).join(', ')}}`;
            line(p, `Dataset ${shape} ${dtypeString(obj.dtype)}`);
          } else line(p, `Type ${dtypeString(obj.dtype)}`);
        }
      }
    };
    if (root instanceof Group) {
      line(root.name, 'Group');
      walk(root);
    } else if (root instanceof Dataset) {
      line(root.name, `Dataset ${JSON.stringify(root.shape)} ${dtypeString(root.dtype)}`);
    }
    return out;
  } finally {
    f.close();
  }
}

/** Arrays longer than this print as a summary in `get`. */
const GET_FULL_LIMIT = 1000;

/** A JSON-friendly rendering of what load() returns: bigints as strings, long arrays summarised. */
function printable(v: unknown, seen = new Set<object>()): unknown {
  if (v && typeof v === 'object') {
    if (seen.has(v)) return '[cycle: an ancestor group]';
    seen = new Set(seen).add(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, printable(x, seen)]));
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    const a = v as ArrayLike<unknown>;
    if (a.length <= GET_FULL_LIMIT) return Array.from(a, (x) => printable(x, seen));
    let min: unknown, max: unknown;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x !== 'number' && typeof x !== 'bigint') continue;
      if (min === undefined || x < (min as number)) min = x;
      if (max === undefined || x > (max as number)) max = x;
    }
    return { type: (v as object).constructor.name, length: a.length, min: printable(min), max: printable(max), first: Array.from({ length: 5 }, (_, i) => printable(a[i])) };
  }
  if (v && typeof v === 'object') {
    if ('data' in v && 'shape' in v) return { shape: (v as { shape: number[] }).shape, data: printable((v as { data: unknown }).data, seen) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, printable(x, seen)]));
  }
  return v;
}

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  if (cmd === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`h5kit ${pkg.version}\n`);
    return 0;
  }
  if (cmd === 'get' && rest.length === 2) {
    process.stdout.write(JSON.stringify(printable(load(rest[0], { key: rest[1] })), null, 1) + '\n');
    return 0;
  }
  if (cmd === 'ls' && rest.length >= 1) {
    process.stdout.write(ls(rest[0], rest[1] ?? '/').join('\n') + '\n');
    return 0;
  }
  if (cmd === 'dump') {
    const args = rest.filter((a) => a !== '--json');
    let threshold: number | undefined;
    const ti = args.indexOf('--summary-threshold');
    if (ti >= 0) {
      threshold = Number(args[ti + 1]);
      args.splice(ti, 2);
    }
    if (!rest.includes('--json') || args.length !== 1) {
      process.stderr.write(USAGE + '\n');
      return 2;
    }
    const f = openFile(args[0]);
    try {
      const desc = describeFile(f, { summaryThreshold: threshold });
      process.stdout.write(JSON.stringify(desc, null, 1) + '\n');
    } finally {
      f.close();
    }
    return 0;
  }
  if (cmd === 'create' || cmd === 'repack') {
    const args = rest.slice();
    const take = (flag: string): string | undefined => {
      const i = args.indexOf(flag);
      if (i < 0) return undefined;
      const v = args[i + 1];
      args.splice(i, 2);
      return v ?? '';
    };
    const libver = take('--libver');
    if (libver !== undefined && libver !== 'earliest' && libver !== 'latest') {
      process.stderr.write(USAGE + '\n');
      return 2;
    }
    if (cmd === 'repack') {
      if (args.length !== 2 || args.some((a) => a.startsWith('-'))) {
        process.stderr.write(USAGE + '\n');
        return 2;
      }
      repackFile(args[0], args[1], { libver: libver as 'earliest' | 'latest' | undefined });
      return 0;
    }
    const json = take('--from-json');
    const userblockFrom = take('--userblock-from');
    if (!json || args.length !== 1 || args[0].startsWith('-') || userblockFrom === '') {
      process.stderr.write(USAGE + '\n');
      return 2;
    }
    createFileFromJson(args[0], json, {
      libver: libver as 'earliest' | 'latest' | undefined,
      userblock: userblockFrom === undefined ? undefined : readFileSync(userblockFrom),
      warn: (m) => process.stderr.write(`h5kit: warning: ${m}\n`),
    });
    return 0;
  }
  process.stderr.write(USAGE + '\n');
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof H5Error) {
    process.stderr.write(`h5kit: ${e.name}: ${e.message}\n`);
    process.exitCode = 1;
  } else if (e instanceof Error && (e as NodeJS.ErrnoException).code) {
    process.stderr.write(`h5kit: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    // A bug in h5kit, not in the file: show everything.
    process.stderr.write(`h5kit: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  }
}
