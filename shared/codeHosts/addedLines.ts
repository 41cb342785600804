/**
 * Which lines of a file (at the pull request's head) the pull request adds, read from the diff
 * hunks the platform gives: a finding on such a line is "introduced here", any other finding in
 * the file was there before. GitHub and GitLab give unified diff text (`@@ -a,b +c,d @@`);
 * Azure DevOps gives line blocks (`FileDiffs`). A new file adds every line; a file whose diff the
 * platform leaves out (too large, or binary) is `unknown`, which the scan counts as introduced so
 * the status never passes on a guess, but which gets no inline thread (no diff line to put it on).
 */
export type AddedLines = { kind: 'all' } | { kind: 'lines'; lines: ReadonlySet<number> } | { kind: 'unknown' };

export const allLinesAdded: AddedLines = { kind: 'all' };
export const linesUnknown: AddedLines = { kind: 'unknown' };

/** The new-side numbers of the `+` lines of a unified diff (one file's hunks). */
export function addedLinesOfPatch(patch: string): AddedLines {
  const lines = new Set<number>();
  let next = 0;
  let inHunk = false;
  for (const line of patch.split('\n')) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      next = Number(header[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (line.startsWith('+')) lines.add(next++);
    else if (line.startsWith(' ')) next++;
    // '-' lines are the old side's; '\ No newline at end of file' belongs to neither.
  }
  return { kind: 'lines', lines };
}

/** Azure DevOps `LineDiffBlock` change types: None 0, Add 1, Delete 2, Edit 3. */
export interface LineBlock {
  changeType?: number;
  modifiedLineNumberStart?: number;
  modifiedLinesCount?: number;
}

/** The modified side's lines of the blocks that add or edit. */
export function addedLinesOfBlocks(blocks: readonly LineBlock[]): AddedLines {
  const lines = new Set<number>();
  for (const block of blocks) {
    if (block.changeType !== 1 && block.changeType !== 3) continue;
    const start = block.modifiedLineNumberStart ?? 0;
    for (let i = 0; i < (block.modifiedLinesCount ?? 0); i++) lines.add(start + i);
  }
  return { kind: 'lines', lines };
}

/** True when the pull request adds the line (or might: `unknown` counts as introduced). */
export function isAdded(added: AddedLines, line: number): boolean {
  return added.kind !== 'lines' || added.lines.has(line);
}

/** True when a thread can sit on the line: the platform shows it as added in the pull request's diff. */
export function canCommentOn(added: AddedLines, line: number): boolean {
  return added.kind === 'all' || (added.kind === 'lines' && added.lines.has(line));
}
