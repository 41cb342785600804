import { describe, expect, it } from 'vitest';
import { failureKindOf } from '../../shared/errors';
import { isNotFound, isPreconditionFailed } from '../../shared/store/errors';
import type { PatchOperation } from '../../shared/store/port';
import { type ContractDocument, type ContractSubject, rejectionOf } from './storeContractSubject';

/** Cosmos partial updates: set, incr, remove, conditional on an etag, refused as a whole when any operation is invalid. */
export function describePatchContract(subject: ContractSubject): void {
  const seed = (fields: Partial<ContractDocument> = {}) =>
    subject.risks().create({
      id: subject.unique('patch'),
      organization: subject.unique('org'),
      status: 'open',
      occurrences: 1,
      note: 'first seen',
      evidence: { location: 'src/a.ts' },
      ...fields,
    });

  describe('patch', () => {
    it('sets, increments and removes fields, top-level and nested, in one call', async () => {
      const created = await seed();
      const patched = await subject.risks().patch(created.id, created.organization, [
        { op: 'set', path: '/status', value: 'triaged' },
        { op: 'set', path: '/evidence/line', value: 42 },
        { op: 'incr', path: '/occurrences', value: 2 },
        { op: 'incr', path: '/reopened', value: 1 },
        { op: 'remove', path: '/note' },
      ]);
      expect(patched).toEqual({
        id: created.id,
        organization: created.organization,
        status: 'triaged',
        occurrences: 3,
        reopened: 1,
        evidence: { location: 'src/a.ts', line: 42 },
        _etag: expect.any(String),
        _ts: expect.any(Number),
      });
      expect(patched._etag).not.toBe(created._etag);
      expect(await subject.risks().read(created.id, created.organization)).toEqual(patched);
    });

    it('applies with the current etag and refuses a stale one, leaving the document as it was', async () => {
      const created = await seed();
      const first = await subject.risks().patch(created.id, created.organization, [{ op: 'incr', path: '/occurrences', value: 1 }], {
        ifMatch: created._etag,
      });
      expect(first.occurrences).toBe(2);
      const error = await rejectionOf(
        subject
          .risks()
          .patch(created.id, created.organization, [{ op: 'incr', path: '/occurrences', value: 1 }], { ifMatch: created._etag }),
      );
      expect(isPreconditionFailed(error)).toBe(true);
      expect(await subject.risks().read(created.id, created.organization)).toEqual(first);
    });

    it('reports a missing document as not found', async () => {
      const error = await rejectionOf(
        subject.risks().patch(subject.unique('missing'), subject.unique('org'), [{ op: 'set', path: '/a', value: 1 }]),
      );
      expect(isNotFound(error)).toBe(true);
    });

    it('adds up concurrent increments from two workers', async () => {
      const created = await seed({ occurrences: 0 });
      const increment: PatchOperation[] = [{ op: 'incr', path: '/occurrences', value: 1 }];
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? subject.risks() : subject.peerRisks()).patch(created.id, created.organization, increment),
        ),
      );
      expect((await subject.risks().read(created.id, created.organization))?.occurrences).toBe(10);
    });

    const refused: Array<[string, PatchOperation[]]> = [
      ['removing an absent field', [{ op: 'remove', path: '/absent' }]],
      ['replacing an absent field', [{ op: 'replace', path: '/absent', value: 1 }]],
      ['incrementing a string', [{ op: 'incr', path: '/status', value: 1 }]],
      ['changing the partition key', [{ op: 'set', path: '/organization', value: 'someone-else' }]],
      ['more than 10 operations', Array.from({ length: 11 }, (_, i) => ({ op: 'set' as const, path: `/f${i}`, value: i }))],
      ['no operations', []],
      [
        'a valid operation followed by an invalid one',
        [
          { op: 'set', path: '/status', value: 'closed' },
          { op: 'remove', path: '/absent' },
        ],
      ],
    ];
    for (const [what, operations] of refused) {
      it(`refuses ${what} as a permanent failure and changes nothing`, async () => {
        const created = await seed();
        const error = await rejectionOf(subject.risks().patch(created.id, created.organization, operations));
        expect(failureKindOf(error)).toBe('permanent');
        expect(await subject.risks().read(created.id, created.organization)).toEqual(created);
      });
    }
  });
}
