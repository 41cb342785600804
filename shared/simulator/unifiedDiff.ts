/**
 * Line diffs in git's unified format, for the loopback GitHub and GitLab: the `patch` of a pull
 * request file and the `diff` of a merge request change, with three lines of context, `@@ -a,b
 * +c,d @@` headers written as git writes them (`,1` left out, `-5,0` for an insertion after line
 * 5), and "\ No newline at end of file" where a side lacks its last newline. Which lines a hunk
 * covers decides where the platforms accept a comment on the diff.
 */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
  /** Line number on the old side (context and removed lines). */
  oldLine?: number;
  /** Line number on the new side (context and added lines). */
  newLine?: number;
}

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export function isBinary(content: Buffer | string | undefined): boolean {
  return content !== undefined && Buffer.from(content).includes(0);
}

function linesOf(content: Buffer | string | undefined): { lines: string[]; finalNewline: boolean } {
  if (content === undefined) return { lines: [], finalNewline: true };
  const text = Buffer.from(content).toString('utf8');
  if (text === '') return { lines: [], finalNewline: true };
  const lines = text.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
}

/** The hunks that turn `before` into `after` (undefined for a file that does not exist on that side). */
export function diffHunks(before: Buffer | string | undefined, after: Buffer | string | undefined, context = 3): DiffHunk[] {
  const a = linesOf(before);
  const b = linesOf(after);
  // A last line without its newline is not the same line as one with it, as git sees it.
  const script = editScript(withNoNewline(a), withNoNewline(b));
  const changed = script.map((l, i) => (l.kind !== ' ' ? i : -1)).filter((i) => i >= 0);
  const hunks: DiffHunk[] = [];
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i] - context);
    let end = Math.min(script.length - 1, changed[i] + context);
    while (i + 1 < changed.length && changed[i + 1] - context <= end + 1) {
      i++;
      end = Math.min(script.length - 1, changed[i] + context);
    }
    const lines = script.slice(start, end + 1);
    const oldLines = lines.filter((l) => l.kind !== '+').length;
    const newLines = lines.filter((l) => l.kind !== '-').length;
    const firstOld = lines.find((l) => l.oldLine !== undefined)?.oldLine;
    const firstNew = lines.find((l) => l.newLine !== undefined)?.newLine;
    const oldBefore = script.slice(0, start).filter((l) => l.kind !== '+').length;
    const newBefore = script.slice(0, start).filter((l) => l.kind !== '-').length;
    hunks.push({
      oldStart: oldLines ? (firstOld ?? oldBefore + 1) : oldBefore,
      oldLines,
      newStart: newLines ? (firstNew ?? newBefore + 1) : newBefore,
      newLines,
      lines,
    });
    i++;
  }
  return hunks.map((h) => ({ ...h, lines: markNoNewline(h.lines) }));
}

const noNewline = '\u0000no-newline';

function withNoNewline(side: { lines: string[]; finalNewline: boolean }): string[] {
  return side.finalNewline || !side.lines.length
    ? side.lines
    : [...side.lines.slice(0, -1), `${side.lines[side.lines.length - 1]}${noNewline}`];
}

/** The hunks as text, as GitHub's `patch` and GitLab's `diff` carry them (no file header lines). */
export function hunkText(hunks: DiffHunk[]): string {
  return hunks.map((h) => [hunkHeader(h), ...h.lines.map(lineText)].join('\n')).join('\n');
}

export function hunkHeader(h: DiffHunk): string {
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  return `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`;
}

function lineText(line: DiffLine): string {
  return line.text === '\\ No newline at end of file' && line.oldLine === undefined && line.newLine === undefined
    ? line.text
    : `${line.kind}${line.text}`;
}

/** New-side line numbers a hunk shows (added and context lines): where a comment on the new file may go. */
export function newSideLines(hunks: DiffHunk[]): Set<number> {
  return new Set(hunks.flatMap((h) => h.lines.filter((l) => l.newLine !== undefined).map((l) => l.newLine!)));
}

/** Old-side line numbers a hunk shows (removed and context lines). */
export function oldSideLines(hunks: DiffHunk[]): Set<number> {
  return new Set(hunks.flatMap((h) => h.lines.filter((l) => l.oldLine !== undefined).map((l) => l.oldLine!)));
}

export function addedLines(hunks: DiffHunk[]): number[] {
  return hunks.flatMap((h) => h.lines.filter((l) => l.kind === '+' && l.newLine !== undefined).map((l) => l.newLine!));
}

/** Counts as GitHub reports them. */
export function lineCounts(hunks: DiffHunk[]): { additions: number; deletions: number } {
  const lines = hunks.flatMap((h) => h.lines.filter((l) => l.oldLine !== undefined || l.newLine !== undefined));
  return { additions: lines.filter((l) => l.kind === '+').length, deletions: lines.filter((l) => l.kind === '-').length };
}

/** Longest-common-subsequence edit script over the lines, after trimming what both sides share at either end. */
function editScript(a: string[], b: string[]): DiffLine[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const n = midA.length;
  const m = midB.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] =
        midA[i] === midB[j] ? table[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const script: DiffLine[] = [];
  for (let k = 0; k < prefix; k++) script.push({ kind: ' ', text: a[k], oldLine: k + 1, newLine: k + 1 });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      script.push({ kind: ' ', text: midA[i], oldLine: prefix + i + 1, newLine: prefix + j + 1 });
      i++;
      j++;
    } else if (i < n && (j === m || table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1])) {
      // Removals before additions, as git writes a replaced block.
      script.push({ kind: '-', text: midA[i], oldLine: prefix + i + 1 });
      i++;
    } else {
      script.push({ kind: '+', text: midB[j], newLine: prefix + j + 1 });
      j++;
    }
  }
  for (let k = 0; k < suffix; k++)
    script.push({ kind: ' ', text: a[a.length - suffix + k], oldLine: a.length - suffix + k + 1, newLine: b.length - suffix + k + 1 });
  return script;
}

/** Puts git's "\ No newline at end of file" after a last line that lacks its newline. */
function markNoNewline(lines: DiffLine[]): DiffLine[] {
  return lines.flatMap((line) =>
    line.text.endsWith(noNewline)
      ? [
          { ...line, text: line.text.slice(0, -noNewline.length) },
          { kind: ' ' as const, text: '\\ No newline at end of file' },
        ]
      : [line],
  );
}
