import { constants, createInflateRaw, inflateRawSync, type ZlibOptions } from 'node:zlib';

/**
 * Inflates small zip entries whole, in one synchronous call, with one zlib stream reused for every
 * entry. `inflateRawSync` builds a stream (and a native inflate state with its 32 KiB window) per
 * call, then gathers the output from 16 KiB pieces: for a repository's thousands of small files
 * that cost about as much as inflating them (bench:repos, zip thread). Node has no public way to
 * reuse a stream synchronously, so this drives the stream's native handle the way Node's own
 * `zlib.*Sync` functions do (`writeSync` with `_writeState`, `reset`), and falls back to
 * `inflateRawSync` where those are missing or a call fails.
 *
 * The output is a view of one buffer that the next call overwrites: lent until then.
 */
export interface WholeInflation {
  output: Buffer;
  /** Compressed bytes the deflate stream took: where what follows it starts. */
  consumed: number;
}

interface NativeInflate {
  reset(): void;
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  onerror: (message: string, errno: number) => void;
}

export class WholeEntryInflater {
  private readonly output: Buffer;
  private readonly native: { handle: NativeInflate; state: Uint32Array } | undefined;
  private failed = false;

  /**
   * `maxOutput`: larger entries are not inflated whole (the call answers undefined). `nativeHandle:
   * false` uses `inflateRawSync` alone (what happens where the handle is not there; for tests).
   */
  constructor(
    private readonly maxOutput: number,
    options: { nativeHandle?: boolean } = {},
  ) {
    this.output = Buffer.allocUnsafe(maxOutput);
    this.native = options.nativeHandle === false ? undefined : nativeInflate();
    // Called during writeSync when the data is corrupt or (Z_FINISH) cut short; replaces Node's handler, which would close the handle.
    if (this.native) this.native.handle.onerror = () => (this.failed = true);
  }

  /** Whether the native handle is used (false: Node changed its internals, and `inflateRawSync` serves). */
  get reusesHandle(): boolean {
    return this.native !== undefined;
  }

  /**
   * The whole entry, when `input` holds its whole deflate stream and it inflates to at most
   * `maxOutput` bytes; undefined otherwise (also for corrupt data: the streaming path reports it).
   * `complete`: `input` is exactly the entry's compressed data (its size is known), rather than
   * what has arrived so far.
   */
  inflate(input: Buffer, complete: boolean): WholeInflation | undefined {
    if (input.length === 0) return undefined;
    const native = this.native;
    if (!native) return inflatedByNode(input, complete, this.maxOutput);
    const { handle, state } = native;
    this.failed = false;
    handle.reset();
    // A known size must hold a finished stream (Z_FINISH fails otherwise); an unknown one may go on past what has arrived.
    handle.writeSync(complete ? constants.Z_FINISH : constants.Z_SYNC_FLUSH, input, 0, input.length, this.output, 0, this.output.length);
    const [outputLeft, inputLeft] = state;
    // Output full: the entry may be larger than maxOutput. Failed: corrupt, or (Z_FINISH) cut short.
    if (this.failed || outputLeft === 0) return undefined;
    const consumed = input.length - inputLeft;
    return endedWithin(input, consumed, complete)
      ? { output: this.output.subarray(0, this.output.length - outputLeft), consumed }
      : undefined;
  }
}

function nativeInflate(): { handle: NativeInflate; state: Uint32Array } | undefined {
  const stream = createInflateRaw() as unknown as { _handle?: Partial<NativeInflate>; _writeState?: unknown };
  const handle = stream._handle;
  const state = stream._writeState;
  const usable =
    handle !== undefined &&
    typeof handle.writeSync === 'function' &&
    typeof handle.reset === 'function' &&
    state instanceof Uint32Array &&
    state.length >= 2;
  return usable ? { handle: handle as NativeInflate, state } : undefined;
}

function inflatedByNode(input: Buffer, complete: boolean, maxOutput: number): WholeInflation | undefined {
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    const finishFlush = complete ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
    inflated = inflateRawSync(input, { finishFlush, info: true, maxOutputLength: maxOutput } as ZlibOptions) as unknown as typeof inflated;
  } catch {
    return undefined;
  }
  const consumed = inflated.engine.bytesWritten;
  return endedWithin(input, consumed, complete) ? { output: inflated.buffer, consumed } : undefined;
}

/**
 * Whether the deflate stream ended inside `input`: a known size must be taken whole; without one,
 * only input left over proves the stream ended inside what has arrived.
 */
function endedWithin(input: Buffer, consumed: number, complete: boolean): boolean {
  return complete ? consumed === input.length : consumed < input.length;
}
