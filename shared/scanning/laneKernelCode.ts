import { emptyBlock, i32Const, i32Load, i32Load8U, i32Store, op, simd, type WasmFunction } from './wasmEncoding';

/**
 * The functions of the lane kernel (laneKernel.ts), written as WebAssembly instructions. They work
 * on one memory laid out as follows (byte addresses):
 *   classTableAt   256 × i32: the byte's class × 4 (a byte offset within a row)
 *   laneStateAt    laneCount × i32 positions, laneCount × i32 rows, then the hit log's end
 *   transitionsAt  the automaton's transitions as byte offsets: row × 4, or ~(row × 4) where the next state reports
 *   after those    the hit log ((lane, address, row) entries of 12 bytes), then a copy of the block being scanned
 * The stepping functions are the JavaScript loops of keywordHits.ts, with positions as addresses
 * and rows as byte offsets; the others search and count bytes 16 at a time with SIMD compares.
 */
export const kernelLaneCount = 4;
export const classTableAt = 0;
export const laneStateAt = 1024;
/** Where advanceLanes leaves the address just past its last hit log entry. */
export const logEndAt = laneStateAt + 8 * kernelLaneCount;
export const transitionsAt = 2048;
export const logEntryBytes = 12;

export function kernelFunctions(): WasmFunction[] {
  return [
    advanceLanesFunction(),
    advanceOneLaneFunction(),
    countByteFunction(),
    scaleRowsFunction(),
    nextByteFunction(),
    previousByteFunction(),
  ];
}

/**
 * advanceLanes(steps, logAt, logEnd): steps every lane `steps` bytes in lockstep. Where a lane's
 * next state reports, it appends (lane, address of the byte, row of that state as a byte offset)
 * to the hit log at logAt and steps on; it stops early, after a full step, when the log has no
 * room for another step's reports. Positions and rows are read from and written back to the lane
 * state, and the log's end to `logEndAt`. Returns the number of bytes stepped.
 */
function advanceLanesFunction(): WasmFunction {
  const steps = 0;
  const logEnd = 2;
  const stepped = 3;
  const log = 4;
  const position = (lane: number) => 5 + lane;
  const row = (lane: number) => 5 + kernelLaneCount + lane;
  const lanes = Array.from({ length: kernelLaneCount }, (_, lane) => lane);
  const body: number[] = [
    op.localGet,
    1,
    op.localSet,
    log,
    ...lanes.flatMap((lane) => [...i32Const(0), ...i32Load(laneStateAt + 4 * lane), op.localSet, position(lane)]),
    ...lanes.flatMap((lane) => [...i32Const(0), ...i32Load(laneStateAt + 4 * (kernelLaneCount + lane)), op.localSet, row(lane)]),
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    stepped,
    op.localGet,
    steps,
    op.i32GeU,
    op.brIf,
    1,
    // row = transitions[row + class[buffer[position + stepped]]], for each lane
    ...lanes.flatMap((lane) => [
      op.localGet,
      row(lane),
      op.localGet,
      position(lane),
      op.localGet,
      stepped,
      op.i32Add,
      ...i32Load8U(0),
      ...i32Const(2),
      op.i32Shl,
      ...i32Load(classTableAt),
      op.i32Add,
      ...i32Load(transitionsAt),
      op.localSet,
      row(lane),
    ]),
    op.localGet,
    stepped,
    ...i32Const(1),
    op.i32Add,
    op.localSet,
    stepped,
    // no lane reports: next step
    op.localGet,
    row(0),
    ...lanes.slice(1).flatMap((lane) => [op.localGet, row(lane), op.i32Or]),
    ...i32Const(0),
    op.i32GeS,
    op.brIf,
    0,
    // log the reporting lanes and make their rows positive again
    ...lanes.flatMap((lane) => [
      op.localGet,
      row(lane),
      ...i32Const(0),
      op.i32LtS,
      op.if,
      emptyBlock,
      op.localGet,
      log,
      ...i32Const(lane),
      ...i32Store(0),
      op.localGet,
      log,
      op.localGet,
      position(lane),
      op.localGet,
      stepped,
      op.i32Add,
      ...i32Const(1),
      op.i32Sub,
      ...i32Store(4),
      op.localGet,
      log,
      op.localGet,
      row(lane),
      ...i32Const(-1),
      op.i32Xor,
      op.localTee,
      row(lane),
      ...i32Store(8),
      op.localGet,
      log,
      ...i32Const(logEntryBytes),
      op.i32Add,
      op.localSet,
      log,
      op.end,
    ]),
    // room for another step's reports: go on
    op.localGet,
    logEnd,
    op.localGet,
    log,
    op.i32Sub,
    ...i32Const(logEntryBytes * kernelLaneCount),
    op.i32GeS,
    op.brIf,
    0,
    op.end,
    op.end,
    ...lanes.flatMap((lane) => [
      ...i32Const(0),
      op.localGet,
      position(lane),
      op.localGet,
      stepped,
      op.i32Add,
      ...i32Store(laneStateAt + 4 * lane),
    ]),
    ...lanes.flatMap((lane) => [...i32Const(0), op.localGet, row(lane), ...i32Store(laneStateAt + 4 * (kernelLaneCount + lane))]),
    ...i32Const(0),
    op.localGet,
    log,
    ...i32Store(logEndAt),
    op.localGet,
    stepped,
  ];
  return { name: 'advanceLanes', params: 3, results: 1, locals: 2 + 2 * kernelLaneCount, body };
}

/**
 * advanceOneLane(lane, end): steps one lane until its next state reports (returns 1; the position
 * is at that byte and the negative state is stored as the row) or until `end` (returns 0).
 */
function advanceOneLaneFunction(): WasmFunction {
  const lane = 0;
  const end = 1;
  const position = 2;
  const row = 3;
  const found = 4;
  const laneAddress = [op.localGet, lane, ...i32Const(2), op.i32Shl];
  const body: number[] = [
    ...laneAddress,
    ...i32Load(laneStateAt),
    op.localSet,
    position,
    ...laneAddress,
    ...i32Load(laneStateAt + 4 * kernelLaneCount),
    op.localSet,
    row,
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    position,
    op.localGet,
    end,
    op.i32GeU,
    op.brIf,
    1,
    op.localGet,
    row,
    op.localGet,
    position,
    ...i32Load8U(0),
    ...i32Const(2),
    op.i32Shl,
    ...i32Load(classTableAt),
    op.i32Add,
    ...i32Load(transitionsAt),
    op.localTee,
    row,
    ...i32Const(0),
    op.i32LtS,
    op.localTee,
    found,
    op.brIf,
    1,
    op.localGet,
    position,
    ...i32Const(1),
    op.i32Add,
    op.localSet,
    position,
    op.br,
    0,
    op.end,
    op.end,
    ...laneAddress,
    op.localGet,
    position,
    ...i32Store(laneStateAt),
    ...laneAddress,
    op.localGet,
    row,
    ...i32Store(laneStateAt + 4 * kernelLaneCount),
    op.localGet,
    found,
  ];
  return { name: 'advanceOneLane', params: 2, results: 1, locals: 3, body };
}

/**
 * countByte(from, to, byte): how many bytes in [from, to) equal `byte`; 16 at a time with SIMD
 * compares (the line counting of the second pass, which otherwise costs one native search per line).
 */
function countByteFunction(): WasmFunction {
  const from = 0;
  const to = 1;
  const byte = 2;
  const count = 3;
  const needle = 4;
  const body: number[] = [
    op.localGet,
    byte,
    ...simd.i8x16Splat,
    op.localSet,
    needle,
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    to,
    op.localGet,
    from,
    op.i32Sub,
    ...i32Const(16),
    op.i32LtS,
    op.brIf,
    1,
    op.localGet,
    count,
    op.localGet,
    from,
    ...simd.v128Load,
    op.localGet,
    needle,
    ...simd.i8x16Eq,
    ...simd.i8x16Bitmask,
    op.i32Popcnt,
    op.i32Add,
    op.localSet,
    count,
    op.localGet,
    from,
    ...i32Const(16),
    op.i32Add,
    op.localSet,
    from,
    op.br,
    0,
    op.end,
    op.end,
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    from,
    op.localGet,
    to,
    op.i32GeU,
    op.brIf,
    1,
    op.localGet,
    count,
    op.localGet,
    from,
    ...i32Load8U(0),
    op.localGet,
    byte,
    op.i32Eq,
    op.i32Add,
    op.localSet,
    count,
    op.localGet,
    from,
    ...i32Const(1),
    op.i32Add,
    op.localSet,
    from,
    op.br,
    0,
    op.end,
    op.end,
    op.localGet,
    count,
  ];
  return { name: 'countByte', params: 3, results: 1, locals: 1, vectorLocals: 1, body };
}

/**
 * scaleRows(from, to): turns the i32 words in [from, to) from rows into byte offsets, keeping the
 * reporting mark: row → row × 4, ~row → ~(row × 4), which is (~row × 4) | 3. (Done here because a
 * table of a few hundred thousand words is converted once per scanner, before JavaScript would
 * have optimised the loop.)
 */
function scaleRowsFunction(): WasmFunction {
  const from = 0;
  const to = 1;
  const word = 2;
  const body: number[] = [
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    from,
    op.localGet,
    to,
    op.i32GeU,
    op.brIf,
    1,
    op.localGet,
    from,
    op.localGet,
    from,
    ...i32Load(0),
    op.localTee,
    word,
    ...i32Const(2),
    op.i32Shl,
    op.localGet,
    word,
    ...i32Const(31),
    op.i32ShrS,
    ...i32Const(3),
    op.i32And,
    op.i32Or,
    ...i32Store(0),
    op.localGet,
    from,
    ...i32Const(4),
    op.i32Add,
    op.localSet,
    from,
    op.br,
    0,
    op.end,
    op.end,
  ];
  return { name: 'scaleRows', params: 2, results: 0, locals: 1, body };
}

/** The 16-bit mask of the bytes equal to the needle among the 16 at the address on the stack. */
function matchMask(needle: number): number[] {
  return [...simd.v128Load, op.localGet, needle, ...simd.i8x16Eq, ...simd.i8x16Bitmask];
}

/**
 * nextByte(from, to, byte): the address of the first byte equal to `byte` in [from, to), or `to`.
 * The second pass uses it (and previousByte) to find the line around a keyword hit.
 */
function nextByteFunction(): WasmFunction {
  const from = 0;
  const to = 1;
  const byte = 2;
  const mask = 3;
  const needle = 4;
  const body: number[] = [
    op.localGet,
    byte,
    ...simd.i8x16Splat,
    op.localSet,
    needle,
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    to,
    op.localGet,
    from,
    op.i32Sub,
    ...i32Const(16),
    op.i32LtS,
    op.brIf,
    1,
    op.localGet,
    from,
    ...matchMask(needle),
    op.localTee,
    mask,
    op.if,
    emptyBlock,
    op.localGet,
    from,
    op.localGet,
    mask,
    op.i32Ctz,
    op.i32Add,
    op.return,
    op.end,
    op.localGet,
    from,
    ...i32Const(16),
    op.i32Add,
    op.localSet,
    from,
    op.br,
    0,
    op.end,
    op.end,
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    from,
    op.localGet,
    to,
    op.i32GeU,
    op.brIf,
    1,
    op.localGet,
    from,
    ...i32Load8U(0),
    op.localGet,
    byte,
    op.i32Eq,
    op.if,
    emptyBlock,
    op.localGet,
    from,
    op.return,
    op.end,
    op.localGet,
    from,
    ...i32Const(1),
    op.i32Add,
    op.localSet,
    from,
    op.br,
    0,
    op.end,
    op.end,
    op.localGet,
    to,
  ];
  return { name: 'nextByte', params: 3, results: 1, locals: 1, vectorLocals: 1, body };
}

/** previousByte(from, to, byte): the address of the last byte equal to `byte` in [from, to), or from - 1. */
function previousByteFunction(): WasmFunction {
  const from = 0;
  const to = 1;
  const byte = 2;
  const mask = 3;
  const needle = 4;
  const body: number[] = [
    op.localGet,
    byte,
    ...simd.i8x16Splat,
    op.localSet,
    needle,
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    to,
    op.localGet,
    from,
    op.i32Sub,
    ...i32Const(16),
    op.i32LtS,
    op.brIf,
    1,
    op.localGet,
    to,
    ...i32Const(16),
    op.i32Sub,
    op.localTee,
    to,
    ...matchMask(needle),
    op.localTee,
    mask,
    op.if,
    emptyBlock,
    // highest matching lane: 31 - clz(mask)
    op.localGet,
    to,
    ...i32Const(31),
    op.i32Add,
    op.localGet,
    mask,
    op.i32Clz,
    op.i32Sub,
    op.return,
    op.end,
    op.br,
    0,
    op.end,
    op.end,
    op.block,
    emptyBlock,
    op.loop,
    emptyBlock,
    op.localGet,
    to,
    op.localGet,
    from,
    op.i32Sub,
    ...i32Const(1),
    op.i32LtS,
    op.brIf,
    1,
    op.localGet,
    to,
    ...i32Const(1),
    op.i32Sub,
    op.localTee,
    to,
    ...i32Load8U(0),
    op.localGet,
    byte,
    op.i32Eq,
    op.if,
    emptyBlock,
    op.localGet,
    to,
    op.return,
    op.end,
    op.br,
    0,
    op.end,
    op.end,
    op.localGet,
    from,
    ...i32Const(1),
    op.i32Sub,
  ];
  return { name: 'previousByte', params: 3, results: 1, locals: 1, vectorLocals: 1, body };
}
