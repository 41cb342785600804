import { describe, expect, it } from 'vitest';
import {
  bodyForCosmos,
  checkStorableId,
  isStorableId,
  partitionKeyOf,
  storedFromCosmos,
} from '../../../shared/store/cosmos/cosmosDocuments';

describe('documents to and from Cosmos', () => {
  it('keeps _etag and _ts and drops the other system properties on the way out', () => {
    const resource = { id: 'a', organization: 'contoso', _etag: '"1"', _ts: 17, _rid: 'r', _self: 's', _attachments: 'x', _lsn: 3 };
    expect(storedFromCosmos(resource)).toEqual({ id: 'a', organization: 'contoso', _etag: '"1"', _ts: 17 });
  });

  it('sends no system properties on the way in', () => {
    const stored = { id: 'a', organization: 'contoso', _etag: '"1"', _ts: 17, _rid: 'r', nested: { _etag: 'kept' } };
    expect(bodyForCosmos(stored)).toEqual({ id: 'a', organization: 'contoso', nested: { _etag: 'kept' } });
    expect(stored._etag).toBe('"1"');
  });

  it('requires a non-empty string partition key', () => {
    expect(partitionKeyOf({ id: 'a', organization: 'contoso' } as never, 'risks', 'organization')).toBe('contoso');
    for (const value of [undefined, '', 42]) {
      expect(() => partitionKeyOf({ id: 'a', organization: value } as never, 'risks', 'organization')).toThrow(
        expect.objectContaining({ kind: 'permanent' }),
      );
    }
  });

  it('knows which ids Cosmos can hold', () => {
    for (const id of ['risk-1', 'sub:123:abc', 'h:Zm9v_-', 'ünïcode', 'a'.repeat(255)]) expect(isStorableId(id)).toBe(true);
    for (const id of ['', 'a/b', 'a\\b', 'a?b', 'a#b', 'a'.repeat(256)]) {
      expect(isStorableId(id)).toBe(false);
      expect(() => checkStorableId(id, 'deliveries')).toThrow(expect.objectContaining({ kind: 'permanent' }));
    }
  });
});
