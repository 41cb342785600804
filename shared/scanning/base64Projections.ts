/**
 * Keywords as they appear inside base64. A secret that was base64-encoded (a `user:PAT` Basic
 * credential, a JSON config, a JWT wrapped again) no longer contains its keyword, but the keyword's
 * bytes still produce fixed base64 characters at each of the three byte alignments. Feeding those
 * fragments to the same automaton finds lines worth decoding in the same single pass.
 */
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 characters fully determined by `keyword` when it starts `alignment` bytes into a 3-byte group. */
function projectionAt(keyword: Buffer, alignment: 0 | 1 | 2): string {
  const bitStart = alignment * 8;
  const bitEnd = bitStart + keyword.length * 8;
  const bits: number[] = [];
  for (let i = 0; i < alignment * 8; i++) bits.push(0);
  for (const byte of keyword) for (let b = 7; b >= 0; b--) bits.push((byte >> b) & 1);
  let output = '';
  // Characters whose 6 bits all come from the keyword.
  for (let charStart = 0; charStart + 6 <= bitEnd; charStart += 6) {
    if (charStart < bitStart) continue;
    let value = 0;
    for (let b = 0; b < 6; b++) value = (value << 1) | bits[charStart + b];
    output += alphabet[value];
  }
  return output;
}

/**
 * Lowercased fragments (the automaton is case-insensitive) of at least `minimumLength` characters,
 * in the standard and the URL-safe alphabet.
 */
export function base64Projections(keyword: string, minimumLength = 5): string[] {
  const bytes = Buffer.from(keyword, 'latin1');
  const fragments = new Set<string>();
  for (const alignment of [0, 1, 2] as const) {
    const projection = projectionAt(bytes, alignment);
    if (projection.length < minimumLength) continue;
    fragments.add(projection.toLowerCase());
    fragments.add(projection.replace(/\+/g, '-').replace(/\//g, '_').toLowerCase());
  }
  return [...fragments];
}
