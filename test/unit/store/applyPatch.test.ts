import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../../shared/store/embedded/applyPatch';
import type { PatchOperation } from '../../../shared/store/port';

/**
 * The embedded store's patch follows Cosmos's rules. Most are also in the store contract; a missing
 * parent is only here, because the Cosmos stand-in gets it wrong (it writes the last segment at
 * the root) while Cosmos DB refuses it.
 */
describe('applyPatch', () => {
  const document = { id: 'a', organization: 'contoso', count: 1, evidence: { location: 'src/a.ts' }, note: 'x' };

  it('applies set, add, replace, incr and remove without touching the input', () => {
    const patched = applyPatch(document, [
      { op: 'set', path: '/evidence/line', value: 3 },
      { op: 'add', path: '/tags', value: ['a'] },
      { op: 'replace', path: '/note', value: 'y' },
      { op: 'incr', path: '/count', value: 2 },
      { op: 'incr', path: '/evidence/hits', value: 1 },
      { op: 'remove', path: '/organization' },
    ]);
    expect(patched).toEqual({ id: 'a', count: 3, evidence: { location: 'src/a.ts', line: 3, hits: 1 }, note: 'y', tags: ['a'] });
    expect(document.count).toBe(1);
  });

  it.each([
    ['set under a missing parent', [{ op: 'set', path: '/missing/child', value: 1 }]],
    ['incr under a missing parent', [{ op: 'incr', path: '/missing/child', value: 1 }]],
    ['set under a scalar', [{ op: 'set', path: '/note/child', value: 1 }]],
    ['remove of an absent field', [{ op: 'remove', path: '/absent' }]],
    ['remove under a missing parent', [{ op: 'remove', path: '/missing/child' }]],
    ['replace of an absent field', [{ op: 'replace', path: '/absent', value: 1 }]],
    ['incr of a string', [{ op: 'incr', path: '/note', value: 1 }]],
    ['no operations', []],
    ['eleven operations', Array.from({ length: 11 }, (_, i) => ({ op: 'set', path: `/f${i}`, value: i }))],
    ['an invalid path', [{ op: 'set', path: 'note', value: 1 }]],
  ] as Array<[string, PatchOperation[]]>)('refuses %s as a permanent failure', (_what, operations) => {
    expect(() => applyPatch(document, operations)).toThrow(expect.objectContaining({ kind: 'permanent' }));
  });
});
