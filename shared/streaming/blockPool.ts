/**
 * Fixed-size blocks handed out and given back, so the same few carry a whole stream (or every
 * stream) instead of one being allocated per use: memory allocated outside the heap, block after
 * block, is what keeps V8's collector running full mark-compacts (docs/performance.md). At most
 * `maxSpare` given-back blocks are kept; a block of another size (one sent early as a copy) is dropped.
 */
export class BlockPool {
  private readonly spare: ArrayBuffer[] = [];

  constructor(
    readonly blockBytes: number,
    private readonly maxSpare: number,
  ) {}

  take(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(this.blockBytes);
  }

  give(block: ArrayBuffer): void {
    if (block.byteLength === this.blockBytes && this.spare.length < this.maxSpare) this.spare.push(block);
  }
}
