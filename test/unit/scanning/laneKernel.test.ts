import { describe, expect, it } from 'vitest';
import { compileRules } from '../../../shared/scanning/compiledRules';
import { KeywordAutomaton } from '../../../shared/scanning/keywordAutomaton';
import { type KeywordPass, keywordPass } from '../../../shared/scanning/keywordHits';
import { laneKernelFor } from '../../../shared/scanning/laneKernel';
import { builtinRules } from '../../../shared/scanning/rules/builtinRules';
import { encodeModule, i32Const, op, signedLeb128, unsignedLeb128 } from '../../../shared/scanning/wasmEncoding';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The WebAssembly kernel only makes the first pass faster: everything it answers must be exactly
 * what the JavaScript loops and native searches answer.
 */
const automaton = compileRules(builtinRules).automaton;

/** Log-like lines with every built-in keyword (and base64 projection) planted in random case. */
function logBlock(seed: number, bytes: number): Buffer {
  const factory = new SecretFactory(seed);
  const lines: string[] = [];
  let size = 0;
  let next = 0;
  while (size < bytes) {
    let line = factory.characters(
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :=/_-."\'%@\x1b[',
      20 + factory.below(150),
    );
    for (let planted = factory.below(3); planted > 0; planted--) {
      const keyword = automaton.keywords[next++ % automaton.keywords.length];
      const cased = [...keyword].map((character) => (factory.below(2) === 0 ? character.toUpperCase() : character)).join('');
      const at = factory.below(line.length + 1);
      line = `${line.slice(0, at)}${cased}${line.slice(at)}`;
    }
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'latin1');
}

function passes(block: Buffer, from = 0, to = block.length): { kernel: KeywordPass; javascript: KeywordPass } {
  return { kernel: keywordPass(automaton, block, from, to), javascript: keywordPass(automaton, block, from, to, 'javascript') };
}

describe('the WebAssembly lane kernel', () => {
  it('runs here (Node ≥ 20 has WebAssembly with SIMD)', () => {
    expect(laneKernelFor(automaton)).not.toBeNull();
  });

  it('finds exactly the keyword hits the JavaScript loops find, every built-in keyword included', () => {
    const block = logBlock(61, 1024 * 1024);
    const { kernel, javascript } = passes(block);
    expect(kernel.bytes).not.toBe(block); // the kernel stepped its copy of the block
    expect(javascript.bytes).toBe(block);
    expect(kernel.hits.length).toBeGreaterThan(2 * automaton.keywords.length);
    expect(kernel.hits).toEqual(javascript.hits);
  });

  it('finds the same hits in a block that does not start at offset 0', () => {
    const block = logBlock(62, 300 * 1024);
    const from = block.indexOf(0x0a, 5000) + 1;
    const to = block.lastIndexOf(0x0a, block.length - 7000) + 1;
    const { kernel, javascript } = passes(block, from, to);
    expect(kernel.hits).toEqual(javascript.hits);
    expect(Math.min(...kernel.hits.filter((_, index) => index % 2 === 1))).toBeGreaterThan(from);
  });

  it('answers line starts, line ends, newline counts and byte searches as plain searches do', () => {
    const block = logBlock(63, 256 * 1024);
    const { kernel, javascript } = passes(block);
    for (let h = 1; h < kernel.hits.length; h += 2) {
      const end = kernel.hits[h];
      expect(kernel.lineStart(end)).toBe(javascript.lineStart(end));
      expect(kernel.lineEnd(end)).toBe(javascript.lineEnd(end));
    }
    const factory = new SecretFactory(64);
    for (let i = 0; i < 2000; i++) {
      // Short ranges at every alignment exercise the 16-byte steps and the byte-by-byte tails.
      const start = factory.below(block.length);
      const end = Math.min(block.length, start + (i % 2 === 0 ? factory.below(40) : factory.below(5000)));
      expect(kernel.countNewlines(start, end)).toBe(javascript.countNewlines(start, end));
      const byte = factory.pick([0x40, 0x3a, 0x3b, 0x1b, 0x0a]);
      expect(kernel.containsByte(start, end, byte)).toBe(javascript.containsByte(start, end, byte));
    }
    expect(kernel.countNewlines(0, block.length)).toBe(block.toString('latin1').split('\n').length - 1);
  });

  it('reads the bytes of the block through its copy', () => {
    const block = logBlock(65, 200 * 1024);
    const { kernel } = passes(block);
    for (const position of [0, 1, 4097, block.length - 1]) expect(kernel.bytes[position + kernel.shift]).toBe(block[position]);
  });

  it('keeps stepping when a block holds more hits than its log takes at once', () => {
    const dense = new KeywordAutomaton(['ab', 'b', 'ba']);
    const line = `${'ab'.repeat(60)}\n`;
    const block = Buffer.from(line.repeat(1200), 'latin1');
    const viaKernel = keywordPass(dense, block, 0, block.length);
    const viaJavaScript = keywordPass(dense, block, 0, block.length, 'javascript');
    expect(viaKernel.bytes).not.toBe(block);
    expect(viaKernel.hits.length / 2).toBeGreaterThan(100_000);
    expect(viaKernel.hits).toEqual(viaJavaScript.hits);
  });

  it('grows its memory for a block larger than any before it', () => {
    const small = logBlock(66, 100 * 1024);
    const large = logBlock(67, 3 * 1024 * 1024);
    expect(passes(small).kernel.hits).toEqual(passes(small).javascript.hits);
    const { kernel, javascript } = passes(large);
    expect(kernel.hits).toEqual(javascript.hits);
    expect(kernel.countNewlines(0, large.length)).toBe(javascript.countNewlines(0, large.length));
  });

  it('still answers about a block after another block was loaded (with native searches)', () => {
    const first = logBlock(68, 128 * 1024);
    const second = logBlock(69, 128 * 1024);
    const earlier = keywordPass(automaton, first, 0, first.length);
    keywordPass(automaton, second, 0, second.length);
    const reference = keywordPass(automaton, first, 0, first.length, 'javascript');
    const end = earlier.hits[earlier.hits.length - 1];
    expect(earlier.lineStart(end)).toBe(reference.lineStart(end));
    expect(earlier.lineEnd(end)).toBe(reference.lineEnd(end));
    expect(earlier.countNewlines(0, first.length)).toBe(reference.countNewlines(0, first.length));
  });

  it('steps files of a few KiB, as repositories hold them, with the same hits as the JavaScript loops', () => {
    for (const bytes of [1024, 2 * 1024, 3 * 1024 + 17, 8 * 1024, 20 * 1024]) {
      const block = logBlock(70 + bytes, bytes);
      const { kernel, javascript } = passes(block);
      expect(kernel.bytes).not.toBe(block);
      expect(kernel.hits).toEqual(javascript.hits);
      expect(kernel.countNewlines(0, block.length)).toBe(javascript.countNewlines(0, block.length));
    }
  });

  it('leaves blocks too small for four lanes to the JavaScript loops', () => {
    const block = logBlock(71, 600);
    expect(keywordPass(automaton, block, 0, block.length).bytes).toBe(block);
  });
});

describe('the WebAssembly encoder', () => {
  it('encodes LEB128 numbers as the specification does', () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('builds modules that WebAssembly accepts and runs', () => {
    const bytes = encodeModule(
      [{ name: 'addSeven', params: 1, results: 1, locals: 0, body: [op.localGet, 0, ...i32Const(7), op.i32Add] }],
      1,
    );
    const api = (
      globalThis as unknown as {
        WebAssembly: {
          Module: new (b: Uint8Array) => object;
          Instance: new (m: object, i: object) => { exports: Record<string, (x: number) => number> };
          Memory: new (d: { initial: number }) => object;
        };
      }
    ).WebAssembly;
    const instance = new api.Instance(new api.Module(bytes), { env: { memory: new api.Memory({ initial: 1 }) } });
    expect(instance.exports.addSeven(35)).toBe(42);
  });
});
