import { describe, expect, it } from 'vitest';
import { failureKindOf } from '../../shared/errors';
import { isConflict, isNotFound, isPreconditionFailed } from '../../shared/store/errors';
import { type ContractDocument, type ContractSubject, expectStored, rejectionOf } from './storeContractSubject';

/** Create, read, replace, upsert and delete of single documents, with etags and partitions. */
export function describeDocumentContract(subject: ContractSubject): void {
  const newDocument = (fields: Partial<ContractDocument> = {}): ContractDocument => ({
    id: subject.unique('doc'),
    organization: subject.unique('org'),
    ...fields,
  });

  describe('create and read', () => {
    it('round-trips the document with an etag and a whole-second _ts', async () => {
      const body = newDocument({
        title: 'Leaked token — ünïcode',
        severity: 7.5,
        open: true,
        resolvedAt: null,
        tags: ['secret', 'github'],
        evidence: { location: 'src/a.ts', line: 12, nested: { deep: [1, { two: 2 }] } },
      });
      const created = await subject.risks().create(body);
      expectStored(created, body);
      expect(await subject.risks().read(body.id, body.organization)).toEqual(created);
      expect(await subject.peerRisks().read(body.id, body.organization)).toEqual(created);
    });

    it('reads nothing for a missing id or the wrong partition', async () => {
      const body = newDocument();
      await subject.risks().create(body);
      expect(await subject.risks().read(subject.unique('missing'), body.organization)).toBeUndefined();
      expect(await subject.risks().read(body.id, subject.unique('other-org'))).toBeUndefined();
    });

    it('refuses a document without its partition key as a permanent failure', async () => {
      const error = await rejectionOf(subject.risks().create({ id: subject.unique('doc') } as ContractDocument));
      expect(failureKindOf(error)).toBe('permanent');
    });

    it('refuses a second create of the same id in the same partition, leaving the first intact', async () => {
      const body = newDocument({ version: 1 });
      const created = await subject.risks().create(body);
      const error = await rejectionOf(subject.risks().create({ ...body, version: 2 }));
      expect(isConflict(error)).toBe(true);
      expect(await subject.risks().read(body.id, body.organization)).toEqual(created);
    });

    it('lets exactly one of two workers create the same id at once', async () => {
      const body = newDocument();
      const results = await Promise.allSettled([subject.risks().create(body), subject.peerRisks().create(body)]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const [rejected] = results.filter((result) => result.status === 'rejected');
      expect(isConflict((rejected as PromiseRejectedResult).reason)).toBe(true);
    });
  });

  describe('partitions', () => {
    it('keeps the same id in two partitions as two documents', async () => {
      const id = subject.unique('shared-id');
      const [orgA, orgB] = [subject.unique('org'), subject.unique('org')];
      const a = await subject.risks().create({ id, organization: orgA, owner: 'a' });
      const b = await subject.risks().create({ id, organization: orgB, owner: 'b' });
      expect(await subject.risks().read(id, orgA)).toEqual(a);
      expect(await subject.risks().read(id, orgB)).toEqual(b);

      await subject.risks().replace({ id, organization: orgA, owner: 'a2' });
      await subject.risks().delete(id, orgA);
      expect(await subject.risks().read(id, orgA)).toBeUndefined();
      expect(await subject.risks().read(id, orgB)).toEqual(b);
    });
  });

  describe('replace', () => {
    it('replaces with the current etag and hands back a new one; system fields in the body are ignored', async () => {
      const created = await subject.risks().create(newDocument({ status: 'open' }));
      const replaced = await subject.risks().replace({ ...created, status: 'closed' }, { ifMatch: created._etag });
      expect(replaced.status).toBe('closed');
      expect(replaced._etag).not.toBe(created._etag);
      expect(await subject.risks().read(created.id, created.organization)).toEqual(replaced);
    });

    it('refuses a stale etag and keeps the newer version', async () => {
      const created = await subject.risks().create(newDocument({ status: 'open' }));
      const newer = await subject.peerRisks().replace({ ...created, status: 'triaged' }, { ifMatch: created._etag });
      const error = await rejectionOf(subject.risks().replace({ ...created, status: 'closed' }, { ifMatch: created._etag }));
      expect(isPreconditionFailed(error)).toBe(true);
      expect(await subject.risks().read(created.id, created.organization)).toEqual(newer);
    });

    it('replaces unconditionally without an etag', async () => {
      const created = await subject.risks().create(newDocument({ status: 'open' }));
      const replaced = await subject.risks().replace({ id: created.id, organization: created.organization, status: 'closed' });
      expect(replaced).toEqual({
        id: created.id,
        organization: created.organization,
        status: 'closed',
        _etag: replaced._etag,
        _ts: replaced._ts,
      });
    });

    it('reports a missing document as not found', async () => {
      const error = await rejectionOf(subject.risks().replace(newDocument()));
      expect(isNotFound(error)).toBe(true);
    });
  });

  describe('upsert', () => {
    it('creates when absent and replaces when present', async () => {
      const body = newDocument({ seen: 1 });
      const created = await subject.risks().upsert(body);
      expectStored(created, body);
      const replaced = await subject.risks().upsert({ ...body, seen: 2 });
      expect(replaced.seen).toBe(2);
      expect(replaced._etag).not.toBe(created._etag);
      expect(await subject.risks().read(body.id, body.organization)).toEqual(replaced);
    });

    it('honours an etag: stale fails, and an etag for a document that is gone fails without creating it', async () => {
      const created = await subject.risks().upsert(newDocument({ seen: 1 }));
      await subject.peerRisks().upsert({ ...created, seen: 2 });
      expect(isPreconditionFailed(await rejectionOf(subject.risks().upsert({ ...created, seen: 3 }, { ifMatch: created._etag })))).toBe(
        true,
      );

      const absent = newDocument();
      expect(isPreconditionFailed(await rejectionOf(subject.risks().upsert(absent, { ifMatch: created._etag })))).toBe(true);
      expect(await subject.risks().read(absent.id, absent.organization)).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('deletes; a second delete is not found', async () => {
      const created = await subject.risks().create(newDocument());
      await subject.risks().delete(created.id, created.organization);
      expect(await subject.risks().read(created.id, created.organization)).toBeUndefined();
      expect(isNotFound(await rejectionOf(subject.risks().delete(created.id, created.organization)))).toBe(true);
    });

    it('deletes with the current etag and refuses a stale one', async () => {
      const created = await subject.risks().create(newDocument({ v: 1 }));
      const newer = await subject.risks().replace({ ...created, v: 2 });
      const error = await rejectionOf(subject.risks().delete(created.id, created.organization, { ifMatch: created._etag }));
      expect(isPreconditionFailed(error)).toBe(true);
      expect(await subject.risks().read(created.id, created.organization)).toEqual(newer);
      await subject.risks().delete(created.id, created.organization, { ifMatch: newer._etag });
      expect(await subject.risks().read(created.id, created.organization)).toBeUndefined();
    });
  });
}
