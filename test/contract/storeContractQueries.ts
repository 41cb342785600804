import { beforeAll, describe, expect, it } from 'vitest';
import { failureKindOf } from '../../shared/errors';
import type { QuerySpec, Stored } from '../../shared/store/port';
import { type ContractDocument, type ContractSubject, rejectionOf } from './storeContractSubject';

/** Equality filters (nested too), ORDER BY, pages with continuation tokens, and counts. */
export function describeQueryContract(subject: ContractSubject): void {
  describe('query and count', () => {
    // Eleven documents over two partitions; every spec filters on this batch, so other specs'
    // documents in the same container never show up.
    const batch = subject.unique('batch');
    const orgA = subject.unique('org');
    const orgB = subject.unique('org');
    const names = ['kilo', 'alpha', 'juliet', 'bravo', 'india', 'charlie', 'hotel', 'delta', 'golf', 'echo', 'foxtrot'];
    const documents: ContractDocument[] = names.map((name, i) => ({
      id: `${batch}-${String(i).padStart(2, '0')}`,
      organization: i % 2 === 0 ? orgA : orgB,
      batch,
      name,
      rank: (i * 7) % 11,
      open: i % 3 !== 0,
      evidence: { location: i % 4 === 0 ? 'src/keys.ts' : 'src/app.ts' },
    }));
    const ids = (items: Stored<ContractDocument>[]) => items.map((item) => item.id);
    const idsWhere = (predicate: (document: ContractDocument) => boolean) => documents.filter(predicate).map((document) => document.id);

    beforeAll(async () => {
      for (const document of documents) await subject.risks().create(document);
    });

    /** Every page of a query, following continuation tokens to the end. */
    async function allPages(spec: QuerySpec): Promise<Stored<ContractDocument>[][]> {
      const pages: Stored<ContractDocument>[][] = [];
      let continuationToken: string | undefined;
      do {
        const page = await subject.risks().query({ ...spec, continuationToken });
        pages.push(page.items);
        continuationToken = page.continuationToken;
        expect(pages.length).toBeLessThanOrEqual(documents.length + 1);
      } while (continuationToken);
      return pages;
    }

    it('filters on equality of a top-level field, a nested field, and both', async () => {
      const open = await subject.risks().query({ where: { batch, open: true } });
      expect(ids(open.items).sort()).toEqual(idsWhere((d) => d.open === true));
      expect(open.continuationToken).toBeUndefined();

      const nested = await subject.risks().query({ where: { batch, 'evidence.location': 'src/keys.ts' } });
      expect(ids(nested.items).sort()).toEqual(idsWhere((d) => (d.evidence as { location: string }).location === 'src/keys.ts'));

      const both = await subject.risks().query({ where: { batch, organization: orgA, 'evidence.location': 'src/app.ts' } });
      expect(ids(both.items).sort()).toEqual(
        idsWhere((d) => d.organization === orgA && (d.evidence as { location: string }).location === 'src/app.ts'),
      );
    });

    it('returns stored documents as read would', async () => {
      const [first] = (await subject.risks().query({ where: { batch, name: 'alpha' } })).items;
      expect(first).toEqual(await subject.risks().read(first.id, first.organization));
    });

    it('compares values with their JSON type: true, 1, "1" and null are different', async () => {
      const kindBatch = subject.unique('kinds');
      const organization = subject.unique('org');
      const values: Record<string, unknown> = { bool: true, number: 1, text: '1', nil: null, object: { a: 1 } };
      for (const [id, value] of Object.entries(values)) {
        await subject.risks().create({ id: `${kindBatch}-${id}`, organization, kindBatch, value });
      }
      await subject.risks().create({ id: `${kindBatch}-missing`, organization, kindBatch });
      const matching = async (value: string | number | boolean | null) =>
        ids((await subject.risks().query({ where: { kindBatch, value } })).items);
      expect(await matching(true)).toEqual([`${kindBatch}-bool`]);
      expect(await matching(1)).toEqual([`${kindBatch}-number`]);
      expect(await matching('1')).toEqual([`${kindBatch}-text`]);
      expect(await matching(null)).toEqual([`${kindBatch}-nil`]);
      expect(await matching('{"a":1}')).toEqual([]);
    });

    it('orders by a number or a string field, ascending and descending', async () => {
      const byRank = [...documents].sort((a, b) => (a.rank as number) - (b.rank as number)).map((d) => d.id);
      expect(ids((await subject.risks().query({ where: { batch }, orderBy: { field: 'rank' } })).items)).toEqual(byRank);
      expect(ids((await subject.risks().query({ where: { batch }, orderBy: { field: 'rank', descending: true } })).items)).toEqual(
        [...byRank].reverse(),
      );
      const byName = [...documents].sort((a, b) => (a.name as string).localeCompare(b.name as string)).map((d) => d.id);
      expect(ids((await subject.risks().query({ where: { batch }, orderBy: { field: 'name' } })).items)).toEqual(byName);
    });

    it('pages an ordered query with continuation tokens: full pages, in order, every item exactly once', async () => {
      const pages = await allPages({ where: { batch }, orderBy: { field: 'rank', descending: true }, limit: 3 });
      expect(pages.map((page) => page.length)).toEqual([3, 3, 3, 2]);
      const expected = [...documents].sort((a, b) => (b.rank as number) - (a.rank as number)).map((d) => d.id);
      expect(pages.flatMap(ids)).toEqual(expected);
    });

    it('pages an unordered query across partitions: every item exactly once', async () => {
      const pages = await allPages({ where: { batch }, limit: 4 });
      expect(pages.length).toBeGreaterThanOrEqual(3);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(4);
      const seen = pages.flatMap(ids);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(documents.map((d) => d.id));
    });

    it('pages within one partition', async () => {
      const pages = await allPages({ where: { batch, organization: orgB }, orderBy: { field: 'name' }, limit: 2 });
      const expected = documents
        .filter((d) => d.organization === orgB)
        .sort((a, b) => (a.name as string).localeCompare(b.name as string))
        .map((d) => d.id);
      expect(pages.flatMap(ids)).toEqual(expected);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(2);
    });

    it('returns everything without a token when no page size is given', async () => {
      const page = await subject.risks().query({ where: { batch } });
      expect(ids(page.items).sort()).toEqual(documents.map((d) => d.id));
      expect(page.continuationToken).toBeUndefined();
    });

    it('refuses a continuation token it did not hand out', async () => {
      const error = await rejectionOf(subject.risks().query({ where: { batch }, limit: 2, continuationToken: 'not-a-token' }));
      expect(failureKindOf(error)).toBe('permanent');
    });

    it('refuses a field name that is not a plain dotted identifier', async () => {
      const error = await rejectionOf(subject.risks().query({ where: { 'name"] OR 1=1 --': 'x' } }));
      expect(failureKindOf(error)).toBe('permanent');
    });

    it('counts with and without filters', async () => {
      expect(await subject.risks().count({ batch })).toBe(documents.length);
      expect(await subject.risks().count({ batch, organization: orgA })).toBe(idsWhere((d) => d.organization === orgA).length);
      expect(await subject.risks().count({ batch, 'evidence.location': 'src/keys.ts', open: false })).toBe(
        idsWhere((d) => (d.evidence as { location: string }).location === 'src/keys.ts' && d.open === false).length,
      );
      expect(await subject.risks().count({ batch: subject.unique('empty') })).toBe(0);
      expect(await subject.risks().count()).toBeGreaterThanOrEqual(documents.length);
    });
  });
}
