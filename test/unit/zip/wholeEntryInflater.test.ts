import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WholeEntryInflater } from '../../../shared/zip/wholeEntryInflater';

const text = (seed: number, bytes: number) =>
  Buffer.from(`line ${seed} const value = "${'abcdefgh'.repeat(4)}";\n`.repeat(Math.ceil(bytes / 48))).subarray(0, bytes);
/** What follows an entry's deflate stream in a zip: a data descriptor, the next header. */
const following = Buffer.from('PK\x07\x08 then the next entry', 'latin1');

describe.each([
  ['reusing one native handle', true],
  ['through inflateRawSync', false],
])('inflating small zip entries whole, %s', (_mode, nativeHandle) => {
  const inflater = () => new WholeEntryInflater(64 * 1024, { nativeHandle });

  it('inflates an entry whose compressed size is known, taking all of it', () => {
    const content = text(1, 20_000);
    const deflated = deflateRawSync(content);
    const whole = inflater().inflate(deflated, true);
    expect(whole?.output.equals(content)).toBe(true);
    expect(whole?.consumed).toBe(deflated.length);
  });

  it('finds where an entry of unknown size ends, leaving what follows it', () => {
    const content = text(2, 30_000);
    const deflated = deflateRawSync(content);
    const whole = inflater().inflate(Buffer.concat([deflated, following]), false);
    expect(whole?.output.equals(content)).toBe(true);
    expect(whole?.consumed).toBe(deflated.length);
  });

  it('declines an entry of unknown size whose end has not arrived', () => {
    const deflated = deflateRawSync(randomBytes(20_000));
    expect(inflater().inflate(deflated.subarray(0, deflated.length - 100), false)).toBeUndefined();
  });

  it('declines an entry of known size that is cut short', () => {
    const deflated = deflateRawSync(randomBytes(20_000));
    expect(inflater().inflate(deflated.subarray(0, deflated.length - 100), true)).toBeUndefined();
  });

  it('declines an entry larger than it inflates at once', () => {
    const deflated = deflateRawSync(text(3, 200_000));
    expect(inflater().inflate(Buffer.concat([deflated, following]), false)).toBeUndefined();
    expect(inflater().inflate(deflated, true)).toBeUndefined();
  });

  it('declines corrupt data, and inflates the next entry as if nothing happened', () => {
    const reader = inflater();
    expect(reader.inflate(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01]), true)).toBeUndefined();
    const content = text(4, 10_000);
    expect(reader.inflate(deflateRawSync(content), true)?.output.equals(content)).toBe(true);
  });

  it('inflates thousands of entries one after another with the same reader', () => {
    const reader = inflater();
    for (let entry = 0; entry < 2_000; entry++) {
      const content = text(entry, 1_000 + (entry % 7) * 3_000);
      const whole = reader.inflate(Buffer.concat([deflateRawSync(content), following]), false);
      if (!whole?.output.equals(content)) throw new Error(`entry ${entry} came out wrong`);
    }
  });
});

describe('the inflater on this Node', () => {
  it('reuses the native handle (if Node changes its zlib internals, entries are inflated one stream each, more slowly)', () => {
    expect(new WholeEntryInflater(1024).reusesHandle).toBe(true);
  });

  it('lends its output: the next entry overwrites it', () => {
    const reader = new WholeEntryInflater(64 * 1024);
    const first = reader.inflate(deflateRawSync(Buffer.from('first entry\n')), true);
    expect(first?.output.toString()).toBe('first entry\n');
    reader.inflate(deflateRawSync(Buffer.from('SECOND ENTRY\n')), true);
    expect(first?.output.toString()).toBe('SECOND ENTRY');
  });
});
