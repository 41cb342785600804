/**
 * Marvin32, the keyed checksum Microsoft embeds in Azure identifiable keys and in common annotated
 * security keys (new Azure DevOps PATs). Seeds are 8-character ASCII names read as a big-endian
 * 64-bit number ("Default0" → 0x44656661756c7430): the low half starts p0, the high half p1.
 * Written from the algorithm's description; all arithmetic is unsigned 32-bit.
 */
function rotateLeft(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

export function checksumSeed(name: string): [number, number] {
  if (name.length !== 8) throw new Error(`a Marvin seed name has 8 characters: '${name}'`);
  const bytes = Buffer.from(name, 'latin1');
  return [bytes.readUInt32BE(4), bytes.readUInt32BE(0)];
}

/** The 32-bit Marvin checksum of `data` (as a signed-agnostic unsigned number). */
export function marvin32(data: Uint8Array, seedName: string): number {
  let [p0, p1] = checksumSeed(seedName);
  const mix = () => {
    p1 = (p1 ^ p0) >>> 0;
    p0 = rotateLeft(p0, 20);
    p0 = (p0 + p1) >>> 0;
    p1 = rotateLeft(p1, 9);
    p1 = (p1 ^ p0) >>> 0;
    p0 = rotateLeft(p0, 27);
    p0 = (p0 + p1) >>> 0;
    p1 = rotateLeft(p1, 19);
  };
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    const word = (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
    p0 = (p0 + word) >>> 0;
    mix();
  }
  // The tail is padded with a single 0x80 byte, little-endian.
  const remaining = data.length - whole;
  let last: number;
  if (remaining === 0) last = 0x80;
  else if (remaining === 1) last = 0x8000 | data[whole];
  else if (remaining === 2) last = 0x800000 | data[whole] | (data[whole + 1] << 8);
  else last = (0x80000000 | data[whole] | (data[whole + 1] << 8) | (data[whole + 2] << 16)) >>> 0;
  p0 = (p0 + last) >>> 0;
  mix();
  mix();
  return (p0 ^ p1) >>> 0;
}

/** The checksum as the four little-endian bytes a key stores. */
export function marvin32Bytes(data: Uint8Array, seedName: string): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(marvin32(data, seedName));
  return bytes;
}
