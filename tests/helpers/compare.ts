/**
 * Comparator for "h5-expected/1" descriptions (see ../shared/tools/README.md).
 *
 * `compare(expected, actual)` returns one message per difference; an empty
 * list means `actual` satisfies `expected`.  The rules are those of the
 * reference verifier:
 *
 *  - both documents list the same entry paths, in the same order;
 *  - for every expected entry, every key present in it is compared (keys the
 *    expected entry leaves out are not checked); `info` and keys starting
 *    with `_` are never compared;
 *  - lists are compared in full (same length, element by element);
 *  - attributes: the name lists must match in order, then each attribute is
 *    compared with the actual attribute of the same name;
 *  - numbers compare by value (the int 1 equals the float 1.0); a 64-bit
 *    integer written as a decimal string equals a JSON number of the same
 *    value; booleans only equal booleans;
 *  - `contentOnly` ignores storage details: layout, chunks, filters,
 *    superblock_version, compound member offsets and compound size.
 *
 * No dependencies: usable from any test.
 */

export interface CompareOptions {
  /** Ignore storage-format details (layout, chunks, filters, superblock version, compound offsets/size). */
  contentOnly?: boolean;
  /** Keys to skip wherever they occur. */
  ignore?: string[];
  /** Compare children and attribute names as sets and skip the traversal-order check. */
  ignoreOrder?: boolean;
  /** Stop after this many differences (default 50). */
  maxDiffs?: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const FORMAT_KEYS = ['layout', 'chunks', 'filters', 'superblock_version'];
const INT_STRING = /^-?[0-9]+$/;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown, max = 120): string {
  let s: string;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  if (s === undefined) s = String(v);
  return s.length <= max ? s : s.slice(0, max) + '...';
}

/** Exact value of a JSON integer (number or decimal string), or undefined. */
function integerValue(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && INT_STRING.test(v)) return BigInt(v);
  return undefined;
}

class Differ {
  readonly diffs: string[] = [];
  private readonly ignore: Set<string>;

  constructor(
    private readonly opts: Required<Pick<CompareOptions, 'contentOnly' | 'ignoreOrder' | 'maxDiffs'>>,
    ignore: string[],
  ) {
    this.ignore = new Set([...ignore, 'info', ...(opts.contentOnly ? FORMAT_KEYS : [])]);
  }

  get full(): boolean {
    return this.diffs.length >= this.opts.maxDiffs;
  }

  add(msg: string): void {
    if (!this.full) this.diffs.push(msg);
  }

  skipKey(key: string): boolean {
    return this.ignore.has(key) || key.startsWith('_');
  }

  value(exp: unknown, act: unknown, where: string): void {
    if (this.full) return;
    if (isObject(exp)) {
      if (!isObject(act)) {
        this.add(`${where}: expected object ${show(exp)}, got ${show(act)}`);
        return;
      }
      const compound = this.opts.contentOnly && exp['class'] === 'compound';
      const member = this.opts.contentOnly && 'type' in exp && 'name' in exp;
      for (const [key, ev] of Object.entries(exp)) {
        if (this.skipKey(key)) continue;
        if (compound && key === 'size') continue;
        if (member && key === 'offset') continue;
        if (!(key in act)) {
          this.add(`${where}.${key}: missing (expected ${show(ev)})`);
          continue;
        }
        this.value(ev, act[key], `${where}.${key}`);
      }
      return;
    }
    if (Array.isArray(exp)) {
      if (!Array.isArray(act)) {
        this.add(`${where}: expected list ${show(exp)}, got ${show(act)}`);
        return;
      }
      if (exp.length !== act.length) {
        this.add(
          `${where}: expected ${exp.length} items, got ${act.length} (expected ${show(exp)}, got ${show(act)})`,
        );
        return;
      }
      for (let i = 0; i < exp.length; i++) this.value(exp[i], act[i], `${where}[${i}]`);
      return;
    }
    if (typeof exp === 'boolean' || typeof act === 'boolean') {
      if (exp !== act) this.add(`${where}: expected ${show(exp)}, got ${show(act)}`);
      return;
    }
    if (typeof exp === 'number' && typeof act === 'number') {
      if (!(exp === act || (Number.isNaN(exp) && Number.isNaN(act)))) {
        this.add(`${where}: expected ${show(exp)}, got ${show(act)}`);
      }
      return;
    }
    // 64-bit integers: decimal string on one side, JSON number on the other
    if ((typeof exp === 'number' && typeof act === 'string') || (typeof exp === 'string' && typeof act === 'number')) {
      const a = integerValue(exp);
      const b = integerValue(act);
      if (a === undefined || b === undefined || a !== b) {
        this.add(`${where}: expected ${show(exp)}, got ${show(act)}`);
      }
      return;
    }
    if (exp !== act) this.add(`${where}: expected ${show(exp)}, got ${show(act)}`);
  }

  entry(exp: JsonObject, act: JsonObject, path: string): void {
    for (const [key, ev] of Object.entries(exp)) {
      if (this.full) return;
      if (key === 'path' || this.skipKey(key)) continue;
      if (key === 'attrs' && Array.isArray(ev)) {
        this.attrs(ev, act['attrs'], path);
        continue;
      }
      if (!(key in act)) {
        this.add(`${path}: ${key}: missing (expected ${show(ev)})`);
        continue;
      }
      const av = act[key];
      if (key === 'children' && this.opts.ignoreOrder && Array.isArray(ev) && Array.isArray(av)) {
        this.value(sortedCopy(ev), sortedCopy(av), `${path}: children (sorted)`);
        continue;
      }
      this.value(ev, av, `${path}: ${key}`);
    }
  }

  private attrs(exp: Json[], actRaw: Json | undefined, path: string): void {
    const act = Array.isArray(actRaw) ? actRaw : [];
    const nameOf = (a: Json): Json => (isObject(a) ? (a['name'] ?? null) : null);
    let expNames = exp.map(nameOf);
    let actNames = act.map(nameOf);
    if (this.opts.ignoreOrder) {
      expNames = sortedCopy(expNames);
      actNames = sortedCopy(actNames);
    }
    if (JSON.stringify(expNames) !== JSON.stringify(actNames)) {
      this.add(
        `${path}: attribute names/order differ: expected ${show(expNames, 300)}, got ${show(actNames, 300)}`,
      );
    }
    const byName = new Map<string, Json>();
    for (const a of act) {
      const n = nameOf(a);
      if (typeof n === 'string') byName.set(n, a);
    }
    for (const a of exp) {
      const n = nameOf(a);
      if (typeof n === 'string' && byName.has(n)) this.value(a, byName.get(n), `${path}@attr[${n}]`);
    }
  }
}

function sortedCopy(list: Json[]): Json[] {
  // Python's sorted(): strings compare by code point (not UTF-16 unit order)
  const key = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));
  return [...list].sort((a, b) => {
    const x = Array.from(key(a));
    const y = Array.from(key(b));
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
      if (d !== 0) return d;
    }
    return x.length - y.length;
  });
}

/**
 * Compare an actual description with an expected one.
 * Returns a list of human-readable differences (empty = match).
 */
export function compare(expected: unknown, actual: unknown, options: CompareOptions = {}): string[] {
  const D = new Differ(
    {
      contentOnly: options.contentOnly ?? false,
      ignoreOrder: options.ignoreOrder ?? false,
      maxDiffs: options.maxDiffs ?? 50,
    },
    options.ignore ?? [],
  );
  if (!Array.isArray(expected) || !Array.isArray(actual)) {
    return ['both documents must be JSON lists of entries'];
  }
  const exp = expected.filter(isObject);
  const act = actual.filter(isObject);
  const expPaths = exp.map((e) => e['path']);
  const actPaths = act.map((e) => e['path']);
  const byPath = new Map<Json, JsonObject>();
  for (const e of act) if (!byPath.has(e['path'] ?? null)) byPath.set(e['path'] ?? null, e);
  const expSet = new Set(expPaths);

  const missing = expPaths.filter((p) => !byPath.has(p ?? null));
  const extra = actPaths.filter((p) => !expSet.has(p));
  for (const p of missing.slice(0, 20)) D.add(`${String(p)}: expected object not in actual dump`);
  if (missing.length > 20) D.add(`... ${missing.length - 20} more missing objects`);
  for (const p of extra.slice(0, 20)) D.add(`${String(p)}: unexpected object in actual dump`);
  if (extra.length > 20) D.add(`... ${extra.length - 20} more unexpected objects`);

  if (!options.ignoreOrder && missing.length === 0 && extra.length === 0) {
    const n = Math.min(expPaths.length, actPaths.length);
    for (let i = 0; i < n; i++) {
      if (expPaths[i] !== actPaths[i]) {
        D.add(`traversal order differs at index ${i}: expected ${String(expPaths[i])}, got ${String(actPaths[i])}`);
        break;
      }
    }
    if (expPaths.length !== actPaths.length && D.diffs.length === 0) {
      D.add(`expected ${expPaths.length} entries, got ${actPaths.length}`);
    }
  }

  for (const e of exp) {
    if (D.full) break;
    const a = byPath.get(e['path'] ?? null);
    if (a !== undefined) D.entry(e, a, String(e['path']));
  }
  return D.diffs;
}
