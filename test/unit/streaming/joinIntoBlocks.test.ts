import { describe, expect, it } from 'vitest';
import { joinIntoBlocks } from '../../../shared/streaming/joinIntoBlocks';

async function* piecesOf(...sizes: number[]): AsyncGenerator<Uint8Array> {
  let next = 0;
  for (const size of sizes) yield Uint8Array.from({ length: size }, () => next++ % 251);
}

async function collect(blocks: AsyncIterable<Uint8Array>): Promise<number[][]> {
  const seen: number[][] = [];
  for await (const block of blocks) seen.push([...block]); // copied: a reused block changes after the next is asked for
  return seen;
}

describe('joining pieces into blocks', () => {
  it('cuts the content into full blocks and a shorter last one, bytes in order', async () => {
    const blocks = await collect(joinIntoBlocks(piecesOf(3, 9, 1, 4), 5, () => new Uint8Array(5)));
    expect(blocks.map((block) => block.length)).toEqual([5, 5, 5, 2]);
    expect(blocks.flat()).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  it('refills one block when the reader gives it back by asking for the next', async () => {
    const block = new Uint8Array(4);
    let handedOut = 0;
    const blocks = await collect(joinIntoBlocks(piecesOf(10), 4, () => (handedOut++, block)));
    expect(blocks.flat()).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(handedOut).toBe(3);
  });

  it('passes a large piece through uncopied when asked to, between blocks only', async () => {
    const large = new Uint8Array(8);
    async function* pieces() {
      yield large;
      yield new Uint8Array(2);
      yield new Uint8Array(8);
    }
    const blocks: Uint8Array[] = [];
    for await (const block of joinIntoBlocks(pieces(), 4, () => new Uint8Array(4), { passLargePieces: true })) blocks.push(block);
    expect(blocks[0]).toBe(large);
    expect(blocks.slice(1).map((block) => block.length)).toEqual([4, 4, 2]);
  });
});
