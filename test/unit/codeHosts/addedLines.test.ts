import { describe, expect, it } from 'vitest';
import { addedLinesOfBlocks, addedLinesOfPatch, canCommentOn, isAdded, linesUnknown } from '../../../shared/codeHosts/addedLines';

describe('which lines a pull request adds', () => {
  it('reads the + lines of unified diff hunks by their new-side numbers', () => {
    const patch =
      '@@ -8,6 +8,7 @@\n line 8\n line 9\n line 10\n+const token = "x";\n line 11\n@@ -20,3 +21,3 @@\n line 20\n-old 21\n+new 22\n line 22\n\\ No newline at end of file';
    const added = addedLinesOfPatch(patch);
    expect(added.kind === 'lines' && [...added.lines]).toEqual([11, 22]);
    expect(isAdded(added, 11)).toBe(true);
    expect(isAdded(added, 10)).toBe(false);
  });

  it('reads the Add and Edit blocks of Azure DevOps line diffs, not the Delete or unchanged ones', () => {
    const added = addedLinesOfBlocks([
      { changeType: 0, modifiedLineNumberStart: 1, modifiedLinesCount: 4 },
      { changeType: 1, modifiedLineNumberStart: 5, modifiedLinesCount: 2 },
      { changeType: 2, modifiedLineNumberStart: 7, modifiedLinesCount: 0 },
      { changeType: 3, modifiedLineNumberStart: 9, modifiedLinesCount: 1 },
    ]);
    expect(added.kind === 'lines' && [...added.lines]).toEqual([5, 6, 9]);
  });

  it('counts a finding in a file whose diff the platform left out as introduced, but puts no thread on it', () => {
    expect(isAdded(linesUnknown, 3)).toBe(true);
    expect(canCommentOn(linesUnknown, 3)).toBe(false);
  });
});
