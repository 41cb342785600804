import { describe, expect, it } from 'vitest';
import { BlockPool } from '../../../shared/streaming/blockPool';

describe('a pool of fixed-size blocks', () => {
  it('hands back the blocks it was given before allocating new ones', () => {
    const pool = new BlockPool(1024, 4);
    const first = pool.take();
    expect(first.byteLength).toBe(1024);
    pool.give(first);
    expect(pool.take()).toBe(first);
    expect(pool.take()).not.toBe(first);
  });

  it('keeps at most its limit of spare blocks, and none of another size', () => {
    const pool = new BlockPool(1024, 2);
    const blocks = [pool.take(), pool.take(), pool.take()];
    for (const block of blocks) pool.give(block);
    pool.give(new ArrayBuffer(100));
    const again = [pool.take(), pool.take(), pool.take()];
    expect(again.filter((block) => blocks.includes(block))).toHaveLength(2);
    expect(again.every((block) => block.byteLength === 1024)).toBe(true);
  });
});
