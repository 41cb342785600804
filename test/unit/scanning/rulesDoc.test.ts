import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesTable } from '../../support/scanning/rulesTable';

describe('docs/scanning.md', () => {
  it('lists every rule with its family, confidence and evidence, as the rule table defines them', () => {
    const page = readFileSync(join(__dirname, '../../../docs/scanning.md'), 'utf8');
    const start = page.indexOf('| family | rule |');
    const table = page.slice(start, page.indexOf('\n\n', start));
    expect(table).toBe(rulesTable());
  });
});
