import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// Plain JavaScript: the build runs it before tsc, so it cannot need compiling itself.
import { pruneStaleBuildOutput } from '../../../scripts/pruneStaleBuildOutput.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-prune-'));
  roots.push(root);
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  return root;
}

describe('pruning stale build output', () => {
  it('removes what a deleted or renamed source compiled to, so the hosts never register a function that is gone', () => {
    const root = tree([
      'functions/scanBuild.ts',
      'dist/functions/scanBuild.js',
      'dist/functions/scanBuild.js.map',
      'dist/functions/scanBuildLegacy.js',
      'dist/functions/scanBuildLegacy.js.map',
      'shared/ci/scanCiRun.ts',
      'dist/shared/ci/scanCiRun.js',
      'dist/shared/ci/removedHelper.js',
      'dist/shared/scanning/allowlists/words.json',
      'dist/.tsbuildinfo',
    ]);

    expect(pruneStaleBuildOutput(root).sort()).toEqual([
      'dist/functions/scanBuildLegacy.js',
      'dist/functions/scanBuildLegacy.js.map',
      'dist/shared/ci/removedHelper.js',
    ]);
    for (const kept of [
      'dist/functions/scanBuild.js',
      'dist/functions/scanBuild.js.map',
      'dist/shared/ci/scanCiRun.js',
      'dist/shared/scanning/allowlists/words.json',
      'dist/.tsbuildinfo',
    ]) {
      expect(existsSync(join(root, kept)), kept).toBe(true);
    }
  });

  it('does nothing before the first build', () => {
    expect(pruneStaleBuildOutput(tree(['functions/scanBuild.ts']))).toEqual([]);
  });
});
