import type { ByteSink } from './sink.js';

/** Thrown by `FaultySink` in place of the write it refuses: the simulated crash. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/**
 * A test hook for crash safety (spec-notes/editing.md, "Fault injection"):
 * passes reads and the first `failAfter` writes through to `inner`, then
 * throws `SimulatedCrash` instead of writing, as if the process had died
 * between two write calls. Each write call is all or nothing, as a sector
 * write is; `inner` then holds exactly what a crash would leave on disk.
 */
export class FaultySink implements ByteSink {
  /** Write calls passed through so far. */
  writes = 0;

  constructor(
    readonly inner: ByteSink,
    readonly failAfter = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Uint8Array {
    return this.inner.read(offset, length);
  }

  write(offset: number, bytes: Uint8Array): void {
    if (this.writes >= this.failAfter) throw new SimulatedCrash(`simulated crash: write ${this.writes + 1} (${bytes.length} bytes at ${offset}) refused`);
    this.inner.write(offset, bytes);
    this.writes++;
  }

  sync(): void {
    this.inner.sync?.();
  }

  close(): void {
    this.inner.close?.();
  }
}
