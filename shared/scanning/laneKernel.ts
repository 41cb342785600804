import type { KeywordAutomaton } from './keywordAutomaton';
import { classTableAt, kernelFunctions, kernelLaneCount, laneStateAt, logEndAt, logEntryBytes, transitionsAt } from './laneKernelCode';
import { encodeModule } from './wasmEncoding';

export { kernelLaneCount } from './laneKernelCode';

/**
 * The keyword automaton's stepping loops compiled to WebAssembly. The first pass over a block
 * steps the automaton once per byte (keywordHits.ts); in JavaScript each step pays for typed-array
 * bounds checks and the engine's generic code around them, about 3 ns per byte on the 2 GHz
 * machine the benchmark runs on. The same loops in WebAssembly (laneKernelCode.ts) compile to a
 * few machine instructions per lane and step about 2.5 times faster. The kernel logs the hits
 * itself and returns to JavaScript only when its log is full; keywordHits.ts turns the log into
 * hits exactly as its JavaScript loops do, and falls back to those loops where WebAssembly cannot
 * run. The module is built at run time by a small encoder (wasmEncoding.ts): no toolchain, no package.
 *
 * One kernel (one WebAssembly memory: the tables, a hit log and a copy of the block being scanned)
 * per automaton, that is per scanner; all its scans share it, one block at a time (a block is
 * loaded and stepped within one synchronous call).
 */
const logEntries = 4096;
const pageBytes = 64 * 1024;

/** The parts of the WebAssembly JavaScript API used here (the project's type libraries do not declare it). */
interface WasmModule {
  readonly kind?: 'module';
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const webAssembly = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface KernelExports {
  advanceLanes(steps: number, logAt: number, logEnd: number): number;
  advanceOneLane(lane: number, end: number): number;
  countByte(from: number, to: number, byte: number): number;
  scaleRows(from: number, to: number): void;
  nextByte(from: number, to: number, byte: number): number;
  previousByte(from: number, to: number, byte: number): number;
}

let compiledModule: WasmModule | null | undefined;

/** The kernel module, compiled once per process; null where WebAssembly cannot run (e.g. `--jitless`). */
function kernelModule(api: WasmApi): WasmModule | null {
  if (compiledModule === undefined) {
    try {
      compiledModule = new api.Module(encodeModule(kernelFunctions(), 1));
    } catch {
      compiledModule = null;
    }
  }
  return compiledModule;
}

/** One automaton's tables in a kernel memory, and the block being scanned copied after them. */
export class LaneKernel {
  private readonly memory: WasmMemory;
  private readonly exports: KernelExports;
  /** Address of the hit log (see advanceLanes), then of the copied block. */
  readonly logAt: number;
  readonly regionAt: number;
  /** The whole memory as bytes. */
  bytes: Uint8Array;
  /** The whole memory as i32 words (hit log entries are read through it). */
  words: Int32Array;
  /** Lane positions (byte addresses) at [0, laneCount) and rows (byte offsets, ~ when reporting) at [laneCount, 2 × laneCount). */
  laneState: Int32Array;
  /** Counts the blocks loaded: a block's copy is still there while this is unchanged. */
  loads = 0;

  constructor(api: WasmApi, module: WasmModule, automaton: KeywordAutomaton) {
    const { transitions, byteClass } = automaton;
    this.logAt = Math.ceil((transitionsAt + transitions.length * 4) / 64) * 64;
    this.regionAt = this.logAt + logEntries * logEntryBytes;
    this.memory = new api.Memory({ initial: Math.ceil(this.regionAt / pageBytes) + 1 });
    this.exports = new api.Instance(module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
    this.bytes = new Uint8Array(this.memory.buffer);
    this.words = new Int32Array(this.memory.buffer);
    this.laneState = new Int32Array(this.memory.buffer, laneStateAt, 2 * kernelLaneCount);
    for (let byte = 0; byte < 256; byte++) this.words[classTableAt / 4 + byte] = byteClass[byte] * 4;
    this.words.set(transitions, transitionsAt / 4);
    this.exports.scaleRows(transitionsAt, transitionsAt + transitions.length * 4);
  }

  /**
   * Copies `buffer[from, to)` into the kernel's memory; returns the address of `buffer[from]`, or
   * undefined when the memory cannot grow to hold it.
   */
  load(buffer: Uint8Array, from: number, to: number): number | undefined {
    const needed = this.regionAt + (to - from);
    if (needed > this.memory.buffer.byteLength) {
      try {
        this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / pageBytes));
      } catch {
        return undefined;
      }
      // Growing detaches the old buffer: the views are made again.
      this.bytes = new Uint8Array(this.memory.buffer);
      this.words = new Int32Array(this.memory.buffer);
      this.laneState = new Int32Array(this.memory.buffer, laneStateAt, 2 * kernelLaneCount);
    }
    this.bytes.set(buffer.subarray(from, to), this.regionAt);
    this.loads++;
    return this.regionAt;
  }

  /** Steps the lanes (see laneKernelCode.ts); the hits are then in words[logAt / 4, logEnd() / 4). */
  advanceLanes(steps: number): number {
    return this.exports.advanceLanes(steps, this.logAt, this.logAt + logEntries * logEntryBytes);
  }

  /** Address just past the last hit log entry written by advanceLanes. */
  logEnd(): number {
    return this.words[logEndAt / 4];
  }

  /** Steps one lane until its next state reports (true) or `end`. */
  advanceOneLane(lane: number, end: number): boolean {
    return this.exports.advanceOneLane(lane, end) !== 0;
  }

  /** The address of the first byte equal to `byte` in [from, to) of the loaded block, or `to`. */
  nextByte(from: number, to: number, byte: number): number {
    return this.exports.nextByte(from, to, byte);
  }

  /** The address of the last byte equal to `byte` in [from, to) of the loaded block, or from - 1. */
  previousByte(from: number, to: number, byte: number): number {
    return this.exports.previousByte(from, to, byte);
  }

  /** How many bytes equal `byte` between two addresses of the loaded block. */
  countByte(from: number, to: number, byte: number): number {
    return this.exports.countByte(from, to, byte);
  }
}

const kernels = new WeakMap<KeywordAutomaton, LaneKernel | null>();

/** The automaton's kernel, made on first use; null where WebAssembly cannot run or its memory cannot be had. */
export function laneKernelFor(automaton: KeywordAutomaton): LaneKernel | null {
  let kernel = kernels.get(automaton);
  if (kernel === undefined) {
    const module = webAssembly === undefined ? null : kernelModule(webAssembly);
    try {
      kernel = module === null || webAssembly === undefined ? null : new LaneKernel(webAssembly, module, automaton);
    } catch {
      kernel = null;
    }
    kernels.set(automaton, kernel);
  }
  return kernel;
}
