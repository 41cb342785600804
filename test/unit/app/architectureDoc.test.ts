import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventRoutes } from '../../../shared/app/eventRoutes';
import { loadConfig } from '../../../shared/config';
import { appFunctions } from '../../support/testHost';

const page = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'architecture.md'), 'utf8');

describe('docs/architecture.md', () => {
  it('shows the event table the code runs, row for row', () => {
    const table = /<!-- event-table:start[^>]*-->([\s\S]*?)<!-- event-table:end -->/.exec(page)?.[1] ?? '';
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| source') && !line.startsWith('|---'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/`/g, '')),
      );
    expect(rows).toEqual(eventRoutes.map((row) => [row.source, row.type, row.only?.otherwise ?? '', row.queue, row.useCase]));
  });

  it("lists every timer function with the setting its schedule is read from and that setting's default", async () => {
    const table = /<!-- timer-table:start[^>]*-->([\s\S]*?)<!-- timer-table:end -->/.exec(page)?.[1] ?? '';
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split('|')
          .slice(1, 4)
          .map((cell) => cell.trim().replace(/`/g, '')),
      );
    const defaults = loadConfig({}).environment as unknown as Record<string, unknown>;
    const timers = (await appFunctions()).flatMap((f) => (f.kind === 'timer' ? [[f.name, f.schedule]] : []));
    expect(rows.map(([name, setting]) => [name, defaults[setting]])).toEqual(timers.sort());
    for (const [, setting, schedule] of rows) expect(defaults[setting], setting).toBe(schedule);
  });

  it('names only files that exist', () => {
    const root = join(__dirname, '..', '..', '..');
    const paths = [...page.matchAll(/`((?:shared|test|infra|functions)\/[\w./-]+\.(?:ts|bicep))`/g)].map((match) => match[1]);
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) expect(() => readFileSync(join(root, path)), path).not.toThrow();
  });
});
