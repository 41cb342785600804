import { describe, expect, it } from 'vitest';
import { cosmosCountQuery, cosmosSelectQuery } from '../../../shared/store/cosmos/cosmosQuery';

describe('cosmosSelectQuery', () => {
  it('selects everything when there is no filter or order', () => {
    expect(cosmosSelectQuery({})).toEqual({ query: 'SELECT * FROM c', parameters: [] });
  });

  it('filters on equality with parameters, in bracket notation so keywords like value and order are fine', () => {
    expect(cosmosSelectQuery({ where: { status: 'open', value: 3, 'evidence.location': 'src/a.ts', flag: true, closedAt: null } })).toEqual(
      {
        query:
          'SELECT * FROM c WHERE c["status"] = @p0 AND c["value"] = @p1 AND c["evidence"]["location"] = @p2 AND c["flag"] = @p3 AND c["closedAt"] = @p4',
        parameters: [
          { name: '@p0', value: 'open' },
          { name: '@p1', value: 3 },
          { name: '@p2', value: 'src/a.ts' },
          { name: '@p3', value: true },
          { name: '@p4', value: null },
        ],
      },
    );
  });

  it('orders by one field, ascending by default', () => {
    expect(cosmosSelectQuery({ where: { organization: 'contoso' }, orderBy: { field: 'order' } }).query).toBe(
      'SELECT * FROM c WHERE c["organization"] = @p0 ORDER BY c["order"] ASC',
    );
    expect(cosmosSelectQuery({ orderBy: { field: 'evidence.line', descending: true } }).query).toBe(
      'SELECT * FROM c ORDER BY c["evidence"]["line"] DESC',
    );
  });

  it('keeps values out of the query text, whatever they contain', () => {
    const spec = cosmosSelectQuery({ where: { title: '" OR 1=1 --' } });
    expect(spec.query).toBe('SELECT * FROM c WHERE c["title"] = @p0');
    expect(spec.parameters).toEqual([{ name: '@p0', value: '" OR 1=1 --' }]);
  });

  it.each(['title"] OR 1=1 --', 'a..b', '.a', 'a.', '1abc', 'a-b', 'a b', ''])(
    'refuses the field name %j as a permanent failure',
    (field) => {
      expect(() => cosmosSelectQuery({ where: { [field]: 'x' } })).toThrow(expect.objectContaining({ kind: 'permanent' }));
      expect(() => cosmosSelectQuery({ orderBy: { field } })).toThrow(expect.objectContaining({ kind: 'permanent' }));
    },
  );
});

describe('cosmosCountQuery', () => {
  it('counts with SELECT VALUE COUNT(1) and the same filter', () => {
    expect(cosmosCountQuery(undefined)).toEqual({ query: 'SELECT VALUE COUNT(1) FROM c', parameters: [] });
    expect(cosmosCountQuery({ outcome: 'accepted' })).toEqual({
      query: 'SELECT VALUE COUNT(1) FROM c WHERE c["outcome"] = @p0',
      parameters: [{ name: '@p0', value: 'accepted' }],
    });
  });
});
