/**
 * Turns one raw log line into the text the rules read, remembering where every character came
 * from. Azure Pipelines (and GitHub Actions) prefix each line with an ISO timestamp
 * (`2024-05-01T10:00:00.1234567Z `) and tools colour their output with ANSI escape sequences; both
 * would hide or split a secret. The text is latin1 (one character per byte), so offsets in the
 * text map back to byte offsets in the line, and from there to the column a user sees.
 */
export interface CleanLine {
  /** The line without timestamp prefix, colour codes and trailing CR, one char per byte. */
  text: string;
  /** Per-character byte offset within the raw line, or null when the text is a plain slice. */
  map: Int32Array | null;
  /** When `map` is null: byte offset of text[0] within the raw line. */
  shift: number;
  /** True when escape sequences were removed (the caller then re-runs the keyword prefilter). */
  strippedEscapes: boolean;
}

export function rawOffsetOf(line: CleanLine, textIndex: number): number {
  if (line.map === null) return textIndex + line.shift;
  if (textIndex >= line.map.length) return line.map.length === 0 ? line.shift : line.map[line.map.length - 1] + 1;
  return line.map[textIndex];
}

const ESC = 0x1b;

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** Length of a leading `YYYY-MM-DDTHH:MM:SS[.fff…]Z ` timestamp (0 when there is none). */
export function timestampPrefixLength(raw: Uint8Array, start: number, end: number): number {
  if (end - start < 21) return 0;
  const at = (i: number) => raw[start + i];
  if (!(isDigit(at(0)) && isDigit(at(1)) && isDigit(at(2)) && isDigit(at(3)) && at(4) === 0x2d)) return 0;
  if (!(isDigit(at(5)) && isDigit(at(6)) && at(7) === 0x2d && isDigit(at(8)) && isDigit(at(9)))) return 0;
  if (!(at(10) === 0x54 && isDigit(at(11)) && isDigit(at(12)) && at(13) === 0x3a)) return 0;
  if (!(isDigit(at(14)) && isDigit(at(15)) && at(16) === 0x3a && isDigit(at(17)) && isDigit(at(18)))) return 0;
  let i = 19;
  if (at(i) === 0x2e) {
    i++;
    while (i < 32 && start + i < end && isDigit(at(i))) i++;
  }
  if (at(i) !== 0x5a) return 0; // 'Z'
  i++;
  if (start + i < end && at(i) === 0x20) i++;
  return i;
}

/** Length of the escape sequence starting at `index` (an ESC byte). */
function escapeSequenceLength(raw: Uint8Array, index: number, end: number): number {
  const next = index + 1 < end ? raw[index + 1] : -1;
  if (next === 0x5b) {
    // CSI: ESC [ parameters intermediates final, bounded so garbage cannot swallow a line.
    let i = index + 2;
    while (i < end && i - index < 40 && raw[i] >= 0x20 && raw[i] <= 0x3f) i++;
    if (i < end && raw[i] >= 0x40 && raw[i] <= 0x7e) return i + 1 - index;
    return 1;
  }
  if (next === 0x5d) {
    // OSC: ESC ] ... BEL or ESC \ (hyperlinks, titles).
    let i = index + 2;
    while (i < end && i - index < 512) {
      if (raw[i] === 0x07) return i + 1 - index;
      if (raw[i] === ESC && i + 1 < end && raw[i + 1] === 0x5c) return i + 2 - index;
      i++;
    }
    return 1;
  }
  return next >= 0x40 && next <= 0x5f ? 2 : 1;
}

/** `hasEscapes`: whether the line holds an ESC byte, or undefined to look for one here. */
export function cleanLogLine(raw: Buffer, start: number, end: number, hasEscapes?: boolean): CleanLine {
  if (end > start && raw[end - 1] === 0x0d) end--;
  let from = start;
  if (end - from >= 3 && raw[from] === 0xef && raw[from + 1] === 0xbb && raw[from + 2] === 0xbf) from += 3;
  from += timestampPrefixLength(raw, from, end);
  if (hasEscapes !== true) {
    const text = raw.toString('latin1', from, end);
    // The BOM, the timestamp and the CR hold no ESC byte, so the text tells (a native string search).
    if (hasEscapes === false || !text.includes('\x1b')) return { text, map: null, shift: from - start, strippedEscapes: false };
  }
  const codes: number[] = [];
  const offsets: number[] = [];
  let i = from;
  while (i < end) {
    if (raw[i] === ESC) {
      i += escapeSequenceLength(raw, i, end);
      continue;
    }
    codes.push(raw[i]);
    offsets.push(i - start);
    i++;
  }
  let text = '';
  for (let c = 0; c < codes.length; c += 8192) text += String.fromCharCode(...codes.slice(c, c + 8192));
  return { text, map: Int32Array.from(offsets), shift: from - start, strippedEscapes: true };
}
