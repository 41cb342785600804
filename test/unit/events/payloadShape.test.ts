import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { payloadShape } from '../../../shared/events/payloadShape';

describe('the shape of a payload Vigil could not read', () => {
  it('lists field paths and JSON types, and arrays once for all their elements', () => {
    expect(
      payloadShape({
        eventType: 'git.push',
        resource: { pushId: 14, repository: null, commits: [{ commitId: 'c1' }, { commitId: 'c2', url: 'u' }], refUpdates: [], _links: {} },
      }),
    ).toEqual([
      'eventType: string',
      'resource.pushId: number',
      'resource.repository: null',
      'resource.commits[].commitId: string',
      'resource.commits[].url: string',
      'resource.refUpdates: array',
      'resource._links: object',
    ]);
  });

  it('never contains a value of the payload', () => {
    const sample = readFileSync(join(__dirname, '..', '..', 'fixtures', 'azure-devops', 'service-hooks', 'git.push.json'), 'utf8');
    const shape = payloadShape(JSON.parse(sample) as unknown).join('\n');
    for (const value of [
      'Jamal Hartnett',
      'fabrikamfiber4@hotmail.com',
      'Fixed bug in web.config file',
      'f5f5f5f5-aaaa-bbbb-cccc-d6d6d6d6d6d6',
      'https://',
    ]) {
      expect(shape).not.toContain(value);
    }
    expect(shape).toContain('resource.repository.id: string');
  });

  it('quotes keys that are not plain names and escapes anything but printable ASCII, so a key cannot forge a terminal line', () => {
    const shape = payloadShape({ fields: { 'System.Title': 'x', 'evil\n\u001b[31mkey': 1, 'quote"back\\slash': true } });
    expect(shape).toEqual([
      'fields["System.Title"]: string',
      'fields["evil\\u000a\\u001b[31mkey"]: number',
      'fields["quote\\"back\\\\slash"]: boolean',
    ]);
    expect(shape.join('')).not.toMatch(/[\u0000-\u001f]/);
  });

  it('stays bounded for huge or deeply nested payloads', () => {
    const wide = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`field${i}`, i]));
    const shape = payloadShape(wide, { maxPaths: 10, maxDepth: 10 });
    expect(shape).toHaveLength(11);
    expect(shape[10]).toMatch(/^… \d+ more$/);

    let deep: unknown = 'bottom';
    for (let i = 0; i < 50; i++) deep = { level: deep };
    expect(payloadShape(deep, { maxPaths: 10, maxDepth: 3 })).toEqual(['level.level.level: object']);
  });
});
