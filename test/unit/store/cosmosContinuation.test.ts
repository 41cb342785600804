import { describe, expect, it } from 'vitest';
import { unwrapContinuation, wrapContinuation } from '../../../shared/store/cosmos/cosmosContinuation';

describe('continuation token envelope', () => {
  it('round-trips the SDK token', () => {
    const sdkToken = '{"token":"+RID:abc#RT:1#TRC:3","range":{"min":"","max":"FF"}}';
    const wrapped = wrapContinuation(sdkToken);
    expect(wrapped).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(unwrapContinuation(wrapped)).toBe(sdkToken);
  });

  it('has no token when the SDK has none', () => {
    expect(wrapContinuation(undefined)).toBeUndefined();
    expect(wrapContinuation('')).toBeUndefined();
    expect(unwrapContinuation(undefined)).toBeUndefined();
    expect(unwrapContinuation('')).toBeUndefined();
  });

  it.each([
    'garbage',
    Buffer.from('{"offset":3}').toString('base64url'),
    Buffer.from('{"cosmos":""}').toString('base64url'),
    Buffer.from('null').toString('base64url'),
  ])('refuses %j as a permanent failure', (token) => {
    expect(() => unwrapContinuation(token)).toThrow(expect.objectContaining({ kind: 'permanent', message: 'invalid continuation token' }));
  });
});
