import type { KeywordAutomaton } from './keywordAutomaton';
import { kernelLaneCount, type LaneKernel, laneKernelFor } from './laneKernel';

/**
 * The first pass over a block of complete lines: the keyword automaton steps once per byte and
 * reports every keyword occurrence. This loop is where a scan spends most of its time, so:
 * - a large block is cut into four lanes at line boundaries (no keyword spans lines), stepped
 *   together: each automaton step waits on the previous step's table read, and four independent
 *   walks overlap those waits;
 * - where WebAssembly runs, the lanes are stepped by a small WebAssembly kernel (laneKernel.ts) on
 *   a copy of the block, about 2.5 times faster than JavaScript can; it logs the hits itself and
 *   returns to JavaScript only when its log is full. Elsewhere (and for blocks too small for lanes)
 *   JavaScript loops do the same: they make no calls and read no properties, so the optimising
 *   compiler turns them into tight loops; they stop only where a keyword ends. The hits are the
 *   same either way;
 * - lines are not tracked here at all: the second pass asks the pass (KeywordPass) for the few
 *   lines it needs around the hits.
 */
/** The JavaScript loops and the kernel step the same four lanes. */
const laneCount = kernelLaneCount;
/**
 * Lanes of at least this many bytes, so blocks from 1 KiB up are stepped four at a time (by the
 * kernel where it runs). Repository files are mostly a few KiB: with 16 KiB lanes they all went
 * through one JavaScript lane, and the engine scanned them at 150–200 MB/s instead of 400–600
 * (docs/performance.md). Below about 1 KiB the fixed cost of a scan outweighs the stepping.
 */
const minimumLaneBytes = 256;
const maximumHitPairs = 4 * 1024 * 1024;
/** Larger blocks are left to the JavaScript loops (the engine's blocks are at most 1 MiB; this only bounds the kernel's memory). */
const maximumKernelBlock = 64 * 1024 * 1024;
const newline = 0x0a;

/** Which loops step the lanes: the kernel where it can run (the default), or JavaScript (for tests and comparisons). */
export type SteppingLoops = 'webassembly' | 'javascript';

/**
 * The keyword hits of a block, and what the second pass asks about the block's lines: where the
 * line around a hit starts and ends, and how many newlines lie between two positions. When the
 * kernel stepped the block, it answers on its copy of the block with SIMD compares (16 bytes at a
 * time); otherwise native searches on the buffer answer.
 */
export interface KeywordPass {
  /** (keyword index, offset just past the keyword) pairs in increasing offset order. */
  hits: number[];
  /** Start of the line containing the byte before `end` (a hit's end offset). */
  lineStart(end: number): number;
  /** Offset of the newline ending the line containing the byte before `end`. */
  lineEnd(end: number): number;
  /** Newline bytes in buffer[start, end), for start ≤ end within the block. */
  countNewlines(start: number, end: number): number;
  /** Whether buffer[start, end) holds `byte`. */
  containsByte(start: number, end: number, byte: number): boolean;
  /**
   * The block's bytes as the second pass should read them: bytes[position + shift] is
   * buffer[position]. The kernel's copy when there is one: the line searches have just brought
   * the hit's line into the processor's cache there, not in the original buffer. Valid until the
   * next keyword pass with the same automaton (the kernel then holds that block): use it in the
   * same synchronous second pass. (Plain properties: getters here cost the second pass a call
   * per line.)
   */
  bytes: Uint8Array;
  shift: number;
}

/** The first pass over buffer[from, to), which must end just past a newline. */
export function keywordPass(
  automaton: KeywordAutomaton,
  buffer: Uint8Array,
  from: number,
  to: number,
  loops: SteppingLoops = 'webassembly',
): KeywordPass {
  const bounds = laneBounds(buffer, from, to);
  const kernel =
    loops === 'webassembly' && bounds.length - 1 === laneCount && to - from <= maximumKernelBlock ? laneKernelFor(automaton) : null;
  const hits = kernel === null ? null : hitsWithKernel(automaton, kernel, buffer, bounds);
  if (kernel === null || hits === null)
    return { hits: hitsWithJavaScript(automaton, buffer, bounds), bytes: buffer, shift: 0, ...nativeLineSearches(buffer) };

  // The block's copy stays in the kernel's memory until the next block is loaded (never within one
  // second pass; if it happened, the searches would fall back to the buffer, see `bytes`).
  const loaded = kernel.loads;
  const shift = kernel.regionAt - from;
  const native = nativeLineSearches(buffer);
  return {
    hits,
    bytes: kernel.bytes,
    shift,
    lineStart: (end) =>
      kernel.loads === loaded ? kernel.previousByte(from + shift, end + shift, newline) + 1 - shift : native.lineStart(end),
    lineEnd: (end) => (kernel.loads === loaded ? kernel.nextByte(end - 1 + shift, to + shift, newline) - shift : native.lineEnd(end)),
    countNewlines: (start, end) =>
      kernel.loads === loaded ? kernel.countByte(start + shift, end + shift, newline) : native.countNewlines(start, end),
    containsByte: (start, end, byte) =>
      kernel.loads === loaded ? kernel.nextByte(start + shift, end + shift, byte) < end + shift : native.containsByte(start, end, byte),
  };
}

/** Just the hits of keywordPass. */
export function findKeywordHits(
  automaton: KeywordAutomaton,
  buffer: Uint8Array,
  from: number,
  to: number,
  loops: SteppingLoops = 'webassembly',
): number[] {
  return keywordPass(automaton, buffer, from, to, loops).hits;
}

function nativeLineSearches(buffer: Uint8Array): Pick<KeywordPass, 'lineStart' | 'lineEnd' | 'countNewlines' | 'containsByte'> {
  return {
    // A short range: a loop (a native search would not stop at `end`).
    containsByte: (start, end, byte) => {
      for (let i = start; i < end; i++) if (buffer[i] === byte) return true;
      return false;
    },
    lineStart: (end) => buffer.lastIndexOf(newline, end - 1) + 1,
    lineEnd: (end) => buffer.indexOf(newline, end - 1),
    countNewlines: (start, end) => {
      let count = 0;
      for (let at = buffer.indexOf(newline, start); at >= 0 && at < end; at = buffer.indexOf(newline, at + 1)) count++;
      return count;
    },
  };
}

function hitsWithJavaScript(automaton: KeywordAutomaton, buffer: Uint8Array, bounds: readonly number[]): number[] {
  const { byteClass, transitions } = automaton;
  const lanes = bounds.length - 1;
  // Positions, then rows, of the lanes; the stepping functions read and write it.
  const state = new Int32Array(laneCount * 2);
  for (let lane = 0; lane < lanes; lane++) state[lane] = bounds[lane];
  const laneHits: number[][] = [];
  for (let lane = 0; lane < lanes; lane++) laneHits.push([]);
  let total = 0;
  const report = (lane: number) => {
    const row = ~state[laneCount + lane];
    state[laneCount + lane] = row;
    if (total < maximumHitPairs) {
      const keywords = automaton.keywordsAt(row);
      for (let k = 0; k < keywords.length; k++) laneHits[lane].push(keywords[k], state[lane] + 1);
      total += keywords.length * 2;
    }
    state[lane]++;
  };

  if (lanes === laneCount) {
    for (;;) {
      const steps = Math.min(bounds[1] - state[0], bounds[2] - state[1], bounds[3] - state[2], bounds[4] - state[3]);
      if (steps <= 0) break;
      if (advanceFourLanes(buffer, transitions, byteClass, state, steps) === steps) continue;
      // Some lane's next state reports; every lane has computed its next state at its position.
      for (let lane = 0; lane < laneCount; lane++) {
        if (state[laneCount + lane] < 0) report(lane);
        else state[lane]++;
      }
    }
  }
  // What is left of each lane (all of it when the block was too small to split).
  for (let lane = 0; lane < lanes; lane++) {
    while (advanceOneLane(buffer, transitions, byteClass, state, lane, bounds[lane + 1])) report(lane);
  }

  if (lanes === 1) return laneHits[0];
  // Lane after lane is offset order (concat copies natively).
  return laneHits[0].concat(...laneHits.slice(1));
}

/**
 * The same driver with the kernel: positions are addresses in the kernel's memory (the block is
 * copied there), rows are byte offsets, and hits come from the kernel's log in batches. Null when
 * the kernel's memory cannot hold the block.
 */
function hitsWithKernel(automaton: KeywordAutomaton, kernel: LaneKernel, buffer: Uint8Array, bounds: readonly number[]): number[] | null {
  const from = bounds[0];
  const address = kernel.load(buffer, from, bounds[laneCount]);
  if (address === undefined) return null;
  const shift = address - from;
  const state = kernel.laneState;
  const ends: number[] = [];
  const laneHits: number[][] = [];
  for (let lane = 0; lane < laneCount; lane++) {
    state[lane] = bounds[lane] + shift;
    state[laneCount + lane] = 0;
    ends.push(bounds[lane + 1] + shift);
    laneHits.push([]);
  }
  let total = 0;
  const record = (lane: number, address: number, offset: number) => {
    if (total < maximumHitPairs) {
      const keywords = automaton.keywordsAt(offset >> 2);
      for (let k = 0; k < keywords.length; k++) laneHits[lane].push(keywords[k], address + 1 - shift);
      total += keywords.length * 2;
    }
  };
  for (;;) {
    let steps = ends[0] - state[0];
    for (let lane = 1; lane < laneCount; lane++) steps = Math.min(steps, ends[lane] - state[lane]);
    if (steps <= 0) break;
    kernel.advanceLanes(steps);
    const words = kernel.words;
    for (let entry = kernel.logAt >> 2, end = kernel.logEnd() >> 2; entry < end; entry += 3)
      record(words[entry], words[entry + 1], words[entry + 2]);
  }
  // What is left of each lane.
  for (let lane = 0; lane < laneCount; lane++) {
    while (kernel.advanceOneLane(lane, ends[lane])) {
      const offset = ~state[laneCount + lane];
      state[laneCount + lane] = offset;
      record(lane, state[lane], offset);
      state[lane]++;
    }
  }
  return laneHits[0].concat(...laneHits.slice(1));
}

/**
 * Steps four lanes at most `steps` bytes. Stops where any lane's next state reports: the positions
 * are then at that byte, and the next states (negative for the reporting lanes) are stored as the
 * rows. Returns the number of bytes stepped.
 */
function advanceFourLanes(buffer: Uint8Array, transitions: Int32Array, byteClass: Uint8Array, state: Int32Array, steps: number): number {
  const pA = state[0];
  const pB = state[1];
  const pC = state[2];
  const pD = state[3];
  let rA = state[4];
  let rB = state[5];
  let rC = state[6];
  let rD = state[7];
  let step = 0;
  for (; step < steps; step++) {
    const nA = transitions[rA + byteClass[buffer[pA + step]]];
    const nB = transitions[rB + byteClass[buffer[pB + step]]];
    const nC = transitions[rC + byteClass[buffer[pC + step]]];
    const nD = transitions[rD + byteClass[buffer[pD + step]]];
    rA = nA;
    rB = nB;
    rC = nC;
    rD = nD;
    if ((nA | nB | nC | nD) < 0) break;
  }
  state[0] = pA + step;
  state[1] = pB + step;
  state[2] = pC + step;
  state[3] = pD + step;
  state[4] = rA;
  state[5] = rB;
  state[6] = rC;
  state[7] = rD;
  return step;
}

/** Steps one lane until its next state reports (true: that negative state is stored as its row) or `end`. */
function advanceOneLane(
  buffer: Uint8Array,
  transitions: Int32Array,
  byteClass: Uint8Array,
  state: Int32Array,
  lane: number,
  end: number,
): boolean {
  let position = state[lane];
  let row = state[laneCount + lane];
  let found = false;
  for (; position < end; position++) {
    const next = transitions[row + byteClass[buffer[position]]];
    row = next;
    if (next < 0) {
      found = true;
      break;
    }
  }
  state[lane] = position;
  state[laneCount + lane] = row;
  return found;
}

/** Lane boundaries at line starts: four lanes, or one when the block is small. */
function laneBounds(buffer: Uint8Array, from: number, to: number): number[] {
  if (to - from < laneCount * minimumLaneBytes) return [from, to];
  const bounds = [from];
  for (let lane = 1; lane < laneCount; lane++) {
    const target = Math.max(from + Math.floor(((to - from) * lane) / laneCount), bounds[bounds.length - 1]);
    const newline = buffer.indexOf(0x0a, target);
    if (newline < 0 || newline + 1 >= to) return [from, to];
    bounds.push(newline + 1);
  }
  bounds.push(to);
  return bounds;
}
