/**
 * Columns are counted the way editors and SARIF count them: UTF-16 code units. The engine works on
 * bytes, so this counts the code units that the UTF-8 bytes [from, to) decode to: one per
 * character, two for characters outside the Basic Multilingual Plane (4-byte sequences).
 */
export function utf16Length(bytes: Uint8Array, from: number, to: number): number {
  let units = 0;
  for (let i = from; i < to; i++) {
    const byte = bytes[i];
    if ((byte & 0xc0) !== 0x80) units += byte >= 0xf0 && byte <= 0xf7 ? 2 : 1;
  }
  return units;
}
