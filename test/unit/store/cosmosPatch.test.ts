import { describe, expect, it } from 'vitest';
import { cosmosPatchOperations } from '../../../shared/store/cosmos/cosmosPatch';
import type { PatchOperation } from '../../../shared/store/port';

describe('cosmosPatchOperations', () => {
  it('passes the port operations through in the SDK shape', () => {
    expect(
      cosmosPatchOperations(
        [
          { op: 'set', path: '/status', value: 'closed' },
          { op: 'incr', path: '/byStatus/401', value: 1 },
          { op: 'remove', path: '/note' },
        ],
        'risks',
        'risk-1',
      ),
    ).toEqual([
      { op: 'set', path: '/status', value: 'closed' },
      { op: 'incr', path: '/byStatus/401', value: 1 },
      { op: 'remove', path: '/note' },
    ]);
  });

  it.each([
    ['no operations', []],
    ['eleven operations', Array.from({ length: 11 }, (_, i): PatchOperation => ({ op: 'set', path: `/f${i}`, value: i }))],
    ['a path without a leading slash', [{ op: 'set', path: 'status', value: 1 }]],
    ['an empty segment', [{ op: 'set', path: '/evidence//line', value: 1 }]],
    ['the root', [{ op: 'remove', path: '/' }]],
  ] as Array<[string, PatchOperation[]]>)('refuses %s as a permanent failure', (_what, operations) => {
    expect(() => cosmosPatchOperations(operations, 'risks', 'risk-1')).toThrow(expect.objectContaining({ kind: 'permanent' }));
  });
});
