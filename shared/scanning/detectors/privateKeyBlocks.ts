/**
 * PEM / OpenSSH / PGP private key blocks. In a build log every line of the key carries its own
 * timestamp, so the block is followed line by line (on the cleaned text) from `-----BEGIN ...
 * PRIVATE KEY-----` to its `-----END` marker. A block whose body is too short to be a key
 * (`anything`, or nothing) is not reported.
 */
const beginMarker = /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/;
const endMarker = '-----END';
const minimumBodyCharacters = 64;
const maximumBodyCharacters = 64 * 1024;
const maximumBlockLines = 600;

export interface PrivateKeyBlock {
  /** Where the BEGIN marker is. */
  line: number;
  column: number;
  /** Index of the BEGIN marker in the text of that line (lets the caller compare it with other findings there). */
  index: number;
  label: string;
  /** The key material: the body's base64 characters, whitespace and headers removed. */
  body: string;
}

interface OpenBlock {
  line: number;
  column: number;
  index: number;
  label: string;
  body: string;
  lines: number;
}

/** Keeps base64 characters of a body line; header lines (`Proc-Type:`, `Comment:`) contribute nothing. */
function bodyCharacters(text: string): string {
  if (/^[ \t]*[A-Za-z][\w-]{0,30}:[ \t]/.test(text)) return '';
  return text.replace(/[^A-Za-z0-9+/=]/g, '');
}

export class PrivateKeyBlockFollower {
  private open: OpenBlock | undefined;

  /** True while a block is open: every following line must be shown to `onLine`. */
  get isCollecting(): boolean {
    return this.open !== undefined;
  }

  /**
   * Feeds one cleaned line; `columnAt` turns an index in `text` into the 1-based column the user sees.
   * Returns the blocks completed on this line.
   */
  onLine(line: number, text: string, columnAt: (index: number) => number): PrivateKeyBlock[] {
    const completed: PrivateKeyBlock[] = [];
    let rest = text;
    let restOffset = 0;
    for (let guard = 0; guard < 16; guard++) {
      if (!this.open) {
        const begin = beginMarker.exec(rest);
        if (!begin) break;
        const label = begin[0].slice(11, -5);
        this.open = { line, column: columnAt(restOffset + begin.index), index: restOffset + begin.index, label, body: '', lines: 0 };
        restOffset += begin.index + begin[0].length;
        rest = rest.slice(begin.index + begin[0].length);
        continue;
      }
      const end = rest.indexOf(endMarker);
      const piece = end >= 0 ? rest.slice(0, end) : rest;
      this.open.body += bodyCharacters(piece);
      this.open.lines++;
      if (end < 0) {
        if (this.open.body.length > maximumBodyCharacters || this.open.lines > maximumBlockLines) this.open = undefined;
        break;
      }
      const block = this.open;
      this.open = undefined;
      if (block.body.length >= minimumBodyCharacters) {
        completed.push({ line: block.line, column: block.column, index: block.index, label: block.label, body: block.body });
      }
      restOffset += end + endMarker.length;
      rest = rest.slice(end + endMarker.length);
    }
    return completed;
  }
}

/** Blocks inside one text that contains newlines (a JSON-unescaped service-account key). */
export function privateKeyBlocksInText(text: string): { index: number; label: string; body: string }[] {
  const follower = new PrivateKeyBlockFollower();
  const found: { index: number; label: string; body: string }[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    for (const block of follower.onLine(0, line, (index) => lineStart + index)) {
      found.push({ index: block.column, label: block.label, body: block.body });
    }
    // (columnAt above maps to the index in the whole text, which is what callers here need)
    offset += line.length + 1;
  }
  return found;
}
