import { containsClass } from '../model/dtype-spec.js';
import type { File } from '../api/file.js';
import { Dataset } from '../api/dataset.js';
import { Group, joinPath, type H5Object } from '../api/group.js';
import { Reference, RegionReference } from '../api/values.js';

/**
 * One walk of the committed tree (spec-notes/editing.md, "Corner cases"):
 * who links to whom, and which objects references point at. An edit copies
 * every parent of an object it moves (all of them, for an object with more
 * than one hard link) and refuses to move an object a stored reference
 * points at. The walk follows hard links from the root, each object once.
 */
export interface TreeScan {
  /** Object header address → every (group, link name) that hard-links it. */
  readonly parents: Map<number, { group: number; name: string }[]>;
  /** Every object reached from the root. */
  readonly reached: Set<number>;
  /** Object addresses stored in object and region references (datasets and attributes). */
  readonly referenced: Set<number>;
}

export function scanTree(file: File, withReferences: boolean): TreeScan {
  const parents = new Map<number, { group: number; name: string }[]>();
  const reached = new Set<number>([file.address]);
  const referenced = new Set<number>();
  const queue: H5Object[] = [file];
  while (queue.length) {
    const obj = queue.shift()!;
    if (withReferences) collectReferences(obj, referenced);
    if (!(obj instanceof Group)) continue;
    for (const l of obj.links()) {
      if (l.kind !== 'hard') continue;
      let list = parents.get(l.address);
      if (!list) parents.set(l.address, (list = []));
      list.push({ group: obj.address, name: l.name });
      if (reached.has(l.address)) continue;
      reached.add(l.address);
      queue.push(file.objectAt(l.address, joinPath(obj.name, l.name)));
    }
  }
  return { parents, reached, referenced };
}


function collectReferences(obj: H5Object, into: Set<number>): void {
  // Only reference-typed values are read: a file without any costs one type check per dataset and attribute.
  if (obj instanceof Dataset && containsClass(obj.dtype, 'reference')) addressesIn(obj.read(), into);
  for (const name of obj.attrs.keys()) {
    if (containsClass(obj.attrs.info(name).dtype, 'reference')) addressesIn(obj.attrs.get(name), into);
  }
}

function addressesIn(v: unknown, into: Set<number>): void {
  if (v instanceof Reference || v instanceof RegionReference) into.add(v.address);
  else if (Array.isArray(v)) for (const x of v) addressesIn(x, into);
  else if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) for (const x of Object.values(v)) addressesIn(x, into);
}
