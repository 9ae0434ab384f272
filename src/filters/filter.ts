/**
 * The filter interface of the data pipeline (spec IV.A.2.l, "Data Storage -
 * Filter Pipeline"). Filters run on whole chunks: `decode` undoes what the
 * writer's `encode` did. Filters are looked up by their registered id.
 */
export interface FilterContext {
  /** Size in bytes of one element of the dataset's datatype. */
  readonly elementSize: number;
  /** Client data values stored for this filter in the pipeline message. */
  readonly clientData: ArrayLike<number>;
  /** What is being decoded, for error messages (e.g. `dataset "/a/b"`). */
  readonly where: string;
  /** Expected decoded size in bytes when known (the chunk's byte size), else -1. */
  readonly decodedSize: number;
  /**
   * Decoding, intermediate stages (decodedSize -1): a likely decoded size
   * for sizing output buffers, the chunk's size (exact when the later stages
   * keep the size, as shuffle does). May be wrong; never a limit.
   */
  readonly sizeHint?: number;
  /**
   * Decoding, last stage: where the reader wants the decoded chunk (exactly
   * `decodedSize` bytes of the caller's output array). Encoding: where the
   * next stage would like this stage's output (as many bytes as the input).
   * A filter may write its result there, when it has that length, and
   * return it, which saves a copy; ignoring it is always correct.
   */
  readonly into?: Uint8Array;
}

export interface Filter {
  /** Registered filter id (1 deflate, 2 shuffle, 3 fletcher32, 5 nbit, 6 scaleoffset, 32000 lzf, ...). */
  readonly id: number;
  readonly name: string;
  decode(input: Uint8Array, ctx: FilterContext): Uint8Array;
  /** Present for filters h5kit can also write. Must not modify `input` (it may be the caller's data). */
  encode?(input: Uint8Array, ctx: FilterContext): Uint8Array;
  /**
   * Decode several chunks at once, results in input order (a filter that can
   * work in parallel, e.g. h5kit/node's deflate on worker threads). Readers
   * call it with every chunk a read touches; without it, `decode` runs per chunk.
   * `each`, when given, takes a decoded chunk on to the pipeline's remaining
   * stages: call it on the calling thread with each chunk's index and bytes as
   * soon as that chunk is ready (in any order), and return what it returns in
   * place of the bytes. A filter may ignore it (then return the bytes).
   */
  decodeMany?(inputs: readonly Uint8Array[], ctxs: readonly FilterContext[], each?: (index: number, decoded: Uint8Array) => Uint8Array): Uint8Array[];
  /**
   * Optional, with `decodeMany`: a buffer of at least `bytes` bytes the reader
   * may read a batch's stored chunks into (one after another) before decoding
   * them, e.g. shared memory that worker threads read without a copy. Its
   * contents only need to last until the batch is decoded; undefined declines.
   */
  inputBuffer?(bytes: number): Uint8Array | undefined;
  /**
   * Encode several chunks at once (see `decodeMany`). `produce`, when given,
   * makes input k ready: the pipeline's earlier stage writes it in place
   * (into `inputs[k]`, which it fills exactly). Call it on the calling
   * thread for every index in order, each before input k is read; inputs
   * already produced may be encoded meanwhile (h5kit/node deflates on worker
   * threads while the calling thread shuffles the next chunks). An error it
   * throws ends the batch and is rethrown.
   */
  encodeMany?(inputs: readonly Uint8Array[], ctxs: readonly FilterContext[], produce?: (index: number) => void): Uint8Array[];
}
