/**
 * A minimal WebAssembly binary writer: just enough to build the keyword automaton's stepping loops
 * (laneKernel.ts) at run time, without a toolchain or a package. Parameters and results are i32;
 * locals are i32 or v128 (SIMD); the module imports one memory (`env.memory`) and exports its
 * functions by name. The binary format is the one in the WebAssembly core specification,
 * section 5 ("Binary Format"); SIMD instructions are those of the fixed-width SIMD proposal
 * (WebAssembly 2.0), prefixed with 0xfd.
 */

/** Opcodes used by the kernel (spec §5.4). */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtS: 0x48,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32Clz: 0x67,
  i32Ctz: 0x68,
  i32Popcnt: 0x69,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
} as const;

/** Block type of a block or loop that takes and leaves nothing on the stack. */
export const emptyBlock = 0x40;
const i32Type = 0x7f;
const v128Type = 0x7b;
const simdPrefix = 0xfd;

/** SIMD instructions (opcode after the 0xfd prefix). */
export const simd = {
  /** v128.load with 1-byte alignment and no offset: 16 bytes from the address on the stack. */
  v128Load: [simdPrefix, 0x00, 0, 0],
  i8x16Splat: [simdPrefix, 0x0f],
  i8x16Eq: [simdPrefix, 0x23],
  i8x16Bitmask: [simdPrefix, 0x64],
} as const;

export function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

export function signedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

/** `i32.load` (4-byte aligned) at the address on the stack plus a constant offset. */
export function i32Load(offset: number): number[] {
  return [op.i32Load, 2, ...unsignedLeb128(offset)];
}

export function i32Load8U(offset: number): number[] {
  return [op.i32Load8U, 0, ...unsignedLeb128(offset)];
}

export function i32Store(offset: number): number[] {
  return [op.i32Store, 2, ...unsignedLeb128(offset)];
}

export function i32Const(value: number): number[] {
  return [op.i32Const, ...signedLeb128(value)];
}

export interface WasmFunction {
  name: string;
  /** Number of i32 parameters (locals 0 … params-1). */
  params: number;
  /** 0 or 1 i32 result. */
  results: 0 | 1;
  /** Extra i32 locals, numbered after the parameters. */
  locals: number;
  /** v128 locals, numbered after the i32 locals. */
  vectorLocals?: number;
  /** Instructions, without the final `end`. */
  body: number[];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...unsignedLeb128(bytes.length), ...bytes];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb128(content.length), ...content];
}

/** A module that imports `env.memory` (at least `minimumPages` of 64 KiB) and exports `functions`. */
export function encodeModule(functions: readonly WasmFunction[], minimumPages: number): Uint8Array {
  const types = functions.map((fn) => [
    0x60,
    ...vector(Array.from({ length: fn.params }, () => [i32Type])),
    ...vector(fn.results === 1 ? [[i32Type]] : []),
  ]);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x00, ...unsignedLeb128(minimumPages)];
  const bodies = functions.map((fn) => {
    const groups: number[][] = [];
    if (fn.locals > 0) groups.push([...unsignedLeb128(fn.locals), i32Type]);
    if ((fn.vectorLocals ?? 0) > 0) groups.push([...unsignedLeb128(fn.vectorLocals ?? 0), v128Type]);
    const locals = vector(groups);
    const body = [...locals, ...fn.body, op.end];
    return [...unsignedLeb128(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_, index) => unsignedLeb128(index)))),
    ...section(7, vector(functions.map((fn, index) => [...name(fn.name), 0x00, ...unsignedLeb128(index)]))),
    ...section(10, vector(bodies)),
  ]);
}
