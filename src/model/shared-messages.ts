import { H5FormatError } from '../errors.js';
import { isUndefinedAddress } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import { FractalHeap } from '../format/fractal-heap.js';
import { SharedMessageMasterTable, sharedMessageIndexRecords, type SharedMessageIndex } from '../format/sohm.js';
import type { SharedMessageStore } from './header-messages.js';

/**
 * Shared object header messages (spec III.H, IV.A.2.p): the superblock
 * extension's Shared Message Table message points to the master table; each
 * index has its own fractal heap holding the shared message bodies. A shared
 * message pointer (version 3, type 1) carries the heap ID.
 */
export class SharedMessages implements SharedMessageStore {
  private byHeapId?: Map<string, number[]>;

  constructor(
    private readonly ctx: FileContext,
    readonly table: SharedMessageMasterTable,
  ) {}

  get indexes(): readonly SharedMessageIndex[] {
    return this.table.indexes;
  }

  /**
   * The body stored under `heapId`. Each index has its own heap: `type` (the
   * message type) picks it when given; otherwise the index whose records
   * list this heap ID is used.
   */
  read(heapId: Uint8Array, type?: number): Uint8Array {
    const candidates = this.indexesFor(heapId, type);
    if (candidates.length === 0) {
      throw new H5FormatError(
        'shared object header message table',
        this.table.address,
        `no index holds the shared message with heap ID ${hexId(heapId)}${type !== undefined ? ` (message type ${type})` : ''}`,
      );
    }
    const index = this.table.indexes[candidates[0]];
    return FractalHeap.read(this.ctx, index.heapAddress).get(heapId);
  }

  private indexesFor(heapId: Uint8Array, type?: number): number[] {
    const all = this.table.indexes.map((_, i) => i).filter((i) => !isUndefinedAddress(this.table.indexes[i].heapAddress));
    const byType = type === undefined ? all : all.filter((i) => this.table.indexes[i].messageTypeFlags & (1 << type));
    if (byType.length <= 1) return byType;
    // Several heaps could hold it: use the index whose records name this heap ID.
    const known = this.heapIdIndex().get(key(heapId)) ?? [];
    const hit = byType.filter((i) => known.includes(i));
    return hit.length ? hit : byType;
  }

  private heapIdIndex(): Map<string, number[]> {
    if (!this.byHeapId) {
      const m = new Map<string, number[]>();
      this.table.indexes.forEach((index, i) => {
        for (const rec of sharedMessageIndexRecords(this.ctx, index)) {
          if (rec.location !== 'heap') continue;
          const k = key(rec.heapId);
          const list = m.get(k) ?? [];
          if (!list.includes(i)) list.push(i);
          m.set(k, list);
        }
      });
      this.byHeapId = m;
    }
    return this.byHeapId;
  }
}

function key(id: Uint8Array): string {
  return Array.from(id.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

function hexId(id: Uint8Array): string {
  return '0x' + key(id);
}

/** The store of the master table at `tableAddress` (loaded on demand in 'h5kit/read'). */
export function openSharedMessages(ctx: FileContext, tableAddress: number, indexCount: number): SharedMessages {
  return new SharedMessages(ctx, SharedMessageMasterTable.read(ctx, tableAddress, indexCount));
}
