import { H5NotFoundError, H5UnsupportedError, H5ValueError } from '../errors.js';
import { groupLinks, groupStorage, type Link } from '../model/links.js';
import { Dataset } from './dataset.js';
import { ExternalLink, HardLink, SoftLink, UserDefinedLink, type AnyLink } from './links.js';
import { NamedDatatype } from './named-datatype.js';
import { H5Node } from './node.js';
import { findMessage } from '../model/header-messages.js';
import { MessageType, type ObjectHeader } from '../format/object-header.js';
import { isGroupHeader } from '../model/links.js';

/** How many soft links one lookup may follow (libhdf5's default H5L nlinks). */
const MAX_SOFT_LINKS = 16;

export type H5Object = Group | Dataset | NamedDatatype;

/** A group: a container of named links, like a directory. */
export class Group extends H5Node {
  readonly kind: 'group' = 'group';
  private _links?: Link[];

  /** Links in h5py's iteration order (creation order when tracked, else by name). */
  links(): Link[] {
    if (!this._links) {
      const hint = this.name === '/' ? this.file.superblock.rootEntry : undefined;
      this._links = groupLinks(this.ctx, this.header, hint);
    }
    return this._links;
  }

  keys(): string[] {
    return this.links().map((l) => l.name);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  get size(): number {
    return this.links().length;
  }

  /** Whether the group tracks link creation order (h5py's `track_order`). */
  get trackOrder(): boolean {
    return groupStorage(this.ctx, this.header).trackOrder;
  }

  /** @internal */
  link(name: string): Link | undefined {
    return this.links().find((l) => l.name === name);
  }

  /** The link itself, without following it (h5py's `getlink=True`). */
  getLink(name: string): AnyLink {
    const l = this.link(name);
    if (!l) throw new H5NotFoundError(`no link "${name}" in group "${this.name}"`);
    return toLinkObject(l);
  }

  has(path: string): boolean {
    try {
      this.get(path);
      return true;
    } catch (e) {
      if (e instanceof H5NotFoundError) return false;
      throw e;
    }
  }

  /**
   * The object at `path` (absolute, or relative to this group). Soft links
   * are followed; an external link is returned as an `ExternalLink` unless
   * the file was opened with a resolver for external files.
   */
  get(path: string): H5Object | ExternalLink | UserDefinedLink {
    if (path === '') throw new H5ValueError('empty path');
    return this.resolve(path, 0);
  }

  private resolve(path: string, hops: number): H5Object | ExternalLink | UserDefinedLink {
    let cur: Group = path.startsWith('/') ? this.file : this;
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0) return cur;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const last = i === parts.length - 1;
      const l = cur.link(part);
      const here = joinPath(cur.name, part);
      if (!l) throw new H5NotFoundError(`"${here}" does not exist`);
      let obj: H5Object | ExternalLink | UserDefinedLink;
      if (l.kind === 'hard') obj = this.file.objectAt(l.address, here);
      else if (l.kind === 'soft') {
        if (hops >= MAX_SOFT_LINKS) throw new H5NotFoundError(`"${here}": more than ${MAX_SOFT_LINKS} soft links followed`);
        try {
          obj = cur.resolve(l.target, hops + 1);
        } catch (e) {
          if (e instanceof H5NotFoundError) throw new H5NotFoundError(`"${here}" is a dangling soft link to "${l.target}"`);
          throw e;
        }
      } else if (l.kind === 'external') {
        obj = this.file.followExternal(l.file, l.target, here);
      } else obj = new UserDefinedLink(l.linkType, l.data);
      if (last) return obj;
      if (!(obj instanceof Group)) throw new H5NotFoundError(`"${here}" is not a group`);
      cur = obj;
    }
    throw new H5NotFoundError(path);
  }

  /** Recursively visit every object below this group (each object once, like h5py's `visititems`). */
  visit(fn: (path: string, obj: H5Object) => void | boolean): void {
    const seen = new Set<number>([this.address]);
    const walk = (g: Group) => {
      for (const l of g.links()) {
        if (l.kind !== 'hard') continue;
        if (seen.has(l.address)) continue;
        seen.add(l.address);
        const obj = this.file.objectAt(l.address, joinPath(g.name, l.name));
        if (fn(obj.name, obj) === false) return false;
        if (obj instanceof Group && walk(obj) === false) return false;
      }
      return true;
    };
    walk(this);
  }
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

function toLinkObject(l: Link): AnyLink {
  switch (l.kind) {
    case 'hard':
      return new HardLink(l.address);
    case 'soft':
      return new SoftLink(l.target);
    case 'external':
      return new ExternalLink(l.file, l.target);
    default:
      return new UserDefinedLink(l.linkType, l.data);
  }
}

/** Which kind of object an object header describes (spec IV.A: by the messages present). */
export function classifyHeader(h: ObjectHeader): 'group' | 'dataset' | 'datatype' {
  if (findMessage(h, MessageType.DataLayout)) return 'dataset';
  if (isGroupHeader(h)) return 'group';
  if (findMessage(h, MessageType.Datatype)) return 'datatype';
  if (findMessage(h, MessageType.GroupInfo)) return 'group';
  throw new H5UnsupportedError(`object at address ${h.address} is neither a group, a dataset nor a datatype`);
}

