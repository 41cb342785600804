/**
 * Joins a stream's pieces (sockets hand them over 16–64 KiB at a time) into blocks of `size` bytes;
 * the last may be shorter. Each block comes from `nextBlock()`: the same one again when the reader
 * is done with a block before asking for the next, a new one when blocks are handed away. With
 * `passLargePieces`, a piece at least `size` long that arrives between blocks goes through uncopied.
 */
export async function* joinIntoBlocks(
  pieces: AsyncIterable<Uint8Array>,
  size: number,
  nextBlock: () => Uint8Array,
  options: { passLargePieces?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  let block: Uint8Array | undefined;
  let filled = 0;
  for await (const piece of pieces) {
    if (options.passLargePieces && filled === 0 && piece.length >= size) {
      yield piece;
      continue;
    }
    for (let offset = 0; offset < piece.length; ) {
      block ??= nextBlock();
      const taken = Math.min(size - filled, piece.length - offset);
      block.set(piece.subarray(offset, offset + taken), filled);
      filled += taken;
      offset += taken;
      if (filled === size) {
        const full = block;
        block = undefined;
        filled = 0;
        yield full;
      }
    }
  }
  if (block && filled > 0) yield block.subarray(0, filled);
}
