/**
 * Shannon entropy in bits per character: how random a candidate looks. Real keys sit well above
 * 3.5; words, repeated characters and most placeholders sit below 3.
 */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
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
