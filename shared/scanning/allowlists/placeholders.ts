/**
 * Values that look like a credential's shape but are obviously not one: documentation samples,
 * templates, masks and hand-typed filler. Each check explains the kind of value it drops.
 */

/** Words that only appear in example or template values. Matched case-insensitively anywhere in the value. */
const placeholderWords =
  /(?:your[_\-.]?(?:api|access|secret|own|auth|app|client|personal|private|real|token|key|pass|pw)|example|placeholder|changeme|change[_-]me|redacted|replace[_-]?me|insert[_-]?(?:your|key|token|here)|_here\b|dummy|notarealkey|not[_-]a[_-]real|xxxx|\*\*\*|\.\.\.|<[^>]{0,64}>|\bTODO\b)/i;

/** Values that are a whole well-known filler word. */
const fillerValues = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'token',
  'apikey',
  'api_key',
  'key',
  'username',
  'user',
  'admin',
  'root',
  'test',
  'testing',
  'changeit',
  'default',
  'none',
  'null',
  'undefined',
  'true',
  'false',
  'foobar',
  'foo',
  'bar',
  'baz',
  'abc123',
  'letmein',
  'qwerty',
  'secret123',
  'password123',
  'mypassword',
  'yourpassword',
  'yourtoken',
  'hunter2',
  'string',
  'value',
  'empty',
  'required',
  'optional',
  'sample',
]);

export interface PlaceholderOptions {
  /** Drop values dominated by one repeated character (`xxxxxxxx`, `00000000`, `********`). Default true. */
  repeatedCharacters?: boolean;
  /** Drop values containing template or example words. Default true. */
  words?: boolean;
}

export function isPlaceholder(value: string, options: PlaceholderOptions = {}): boolean {
  if (fillerValues.has(value.toLowerCase())) return true;
  if ((options.words ?? true) && placeholderWords.test(value)) return true;
  if ((options.repeatedCharacters ?? true) && (isDominatedByOneCharacter(value) || hasLongAlphabetRun(value))) return true;
  return false;
}

/** More than half of the characters (ignoring separators) are the same character. */
function isDominatedByOneCharacter(value: string): boolean {
  // Values are latin1 text (one character per byte) everywhere in the engine: count in a table.
  // Anything else takes the general path, which counts code points.
  let total = 0;
  let max = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) {
      for (let j = 0; j < i; j++) characterCounts[value.charCodeAt(j)] = 0;
      return isDominatedByOneCodePoint(value);
    }
    if (code === 0x2d || code === 0x5f || code === 0x2e || code === 0x3a) continue;
    total++;
    const count = ++characterCounts[code];
    if (count > max) max = count;
  }
  for (let i = 0; i < value.length; i++) characterCounts[value.charCodeAt(i)] = 0;
  if (total === 0) return true;
  return max / total > 0.5;
}

/** Scratch counts for isDominatedByOneCharacter, all zero between calls. */
const characterCounts = new Uint32Array(256);

function isDominatedByOneCodePoint(value: string): boolean {
  const counts = new Map<string, number>();
  let total = 0;
  for (const char of value) {
    if (char === '-' || char === '_' || char === '.' || char === ':') continue;
    total++;
    counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  if (total === 0) return true;
  let max = 0;
  for (const count of counts.values()) max = Math.max(max, count);
  return max / total > 0.5;
}

/** Ten or more consecutive letters of the alphabet in order (`abcdefghijklmnop`): typed, not generated. */
function hasLongAlphabetRun(value: string): boolean {
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    const previous = value.charCodeAt(i - 1);
    const current = value.charCodeAt(i);
    const isLetter = (current >= 0x61 && current <= 0x7a) || (current >= 0x41 && current <= 0x5a);
    run = isLetter && current === previous + 1 ? run + 1 : 1;
    if (run >= 10) return true;
  }
  return false;
}
