import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md, "Layout": a folder of shared/ reaches another only through that folder's
 * index.ts, its public surface. Two exceptions, both for loading on demand: shared/app/ (the
 * composition root wires adapters and stores by path), and a lazy `import()`, which may name the
 * module it loads (use cases, adapters, a CLI command's heavy work).
 */
const root = resolve(__dirname, '..', '..', '..');
const shared = join(root, 'shared');

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** `app`, `events`, …; undefined for a file directly in shared/ (config.ts, errors.ts, clock.ts: usable from anywhere). */
function folderOf(path: string): string | undefined {
  const parts = relative(shared, path).split(sep);
  return parts.length > 1 && !parts[0].startsWith('..') ? parts[0] : undefined;
}

/** Static imports and re-exports only: `import()` is lazy loading, allowed to name a module. */
const staticImport = /^(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)';/gms;

function crossings(): string[] {
  const found: string[] = [];
  for (const file of [...sources(shared), ...sources(join(root, 'functions'))]) {
    const from = file.startsWith(shared) ? folderOf(file) : 'functions';
    if (from === 'app') continue;
    for (const match of readFileSync(file, 'utf8').matchAll(staticImport)) {
      const target = resolve(dirname(file), match[1].replace(/\.js$/, ''));
      if (!target.startsWith(shared + sep)) continue;
      const to = folderOf(`${target}.ts`);
      if (to === undefined || to === from) continue;
      const publicSurface = target === join(shared, to) || target === join(shared, to, 'index');
      if (!publicSurface)
        found.push(`${relative(root, file)} imports ${match[1]} (use '${relative(dirname(file), join(shared, to)) || '.'}')`);
    }
  }
  return found;
}

describe('the folders of shared/', () => {
  it('reach each other only through their index.ts', () => {
    expect(crossings()).toEqual([]);
  });

  it('each have an index.ts if another folder imports them', () => {
    const folders = readdirSync(shared).filter((name) => statSync(join(shared, name)).isDirectory());
    const imported = new Set<string>();
    for (const file of [...sources(shared), ...sources(join(root, 'functions'))]) {
      const from = file.startsWith(shared) ? folderOf(file) : 'functions';
      if (from === 'app') continue;
      for (const match of readFileSync(file, 'utf8').matchAll(staticImport)) {
        const to = folderOf(`${resolve(dirname(file), match[1])}.ts`);
        if (to && to !== from) imported.add(to);
      }
    }
    for (const folder of folders.filter((name) => imported.has(name))) {
      expect(() => statSync(join(shared, folder, 'index.ts')), folder).not.toThrow();
    }
  });
});
