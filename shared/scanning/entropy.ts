/**
 * Shannon entropy in bits per character: how random a candidate looks. Real keys sit well above
 * 3.5; words, repeated characters and most placeholders sit below 3.
 */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  // Counted in a reused table rather than a Map per call (a keyword-dense log judges a value on most
  // lines); summed in the order characters first occur, as the Map did, so results are bit-identical.
  let distinct = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) {
      for (let k = 0; k < distinct; k++) latin1Counts[firstSeen[k]] = 0;
      return entropyWithMap(value);
    }
    if (latin1Counts[code]++ === 0) firstSeen[distinct++] = code;
  }
  let entropy = 0;
  for (let k = 0; k < distinct; k++) {
    const p = latin1Counts[firstSeen[k]] / value.length;
    entropy -= p * Math.log2(p);
    latin1Counts[firstSeen[k]] = 0;
  }
  return entropy;
}

const latin1Counts = new Int32Array(256);
const firstSeen = new Uint8Array(256);

function entropyWithMap(value: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** How many of lower-case letters, upper-case letters, digits and other characters a value uses. */
export function characterClassCount(value: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x61 && code <= 0x7a) lower = 1;
    else if (code >= 0x41 && code <= 0x5a) upper = 1;
    else if (code >= 0x30 && code <= 0x39) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}
