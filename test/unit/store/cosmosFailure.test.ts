import { describe, expect, it } from 'vitest';
import { ConfigurationError, PermanentError, ThrottledError, TransientError } from '../../../shared/errors';
import { cosmosFailure } from '../../../shared/store/cosmos/cosmosFailure';
import { ConflictError, DocumentNotFoundError, PreconditionFailedError } from '../../../shared/store/errors';

/** The shape @azure/cosmos throws: an Error with a numeric `code`, maybe `substatus` and `retryAfterInMs`. */
function sdkError(
  code: number | string,
  extra: Record<string, unknown> = {},
  message = 'Message: {"Errors":["something"]}\nActivityId: 1',
): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

const document = { container: 'risks', id: 'risk-1' };
const container = { container: 'risks' };

describe('cosmosFailure', () => {
  it.each([
    [sdkError(409), document, ConflictError],
    [sdkError(412), document, PreconditionFailedError],
    [sdkError(404), document, DocumentNotFoundError],
    [sdkError(404, { substatus: 1003 }), document, ConfigurationError],
    [sdkError(404), container, ConfigurationError],
    [sdkError(404), { database: 'vigil' }, ConfigurationError],
    [sdkError(401), document, ConfigurationError],
    [sdkError(403), document, ConfigurationError],
    [sdkError(400), document, PermanentError],
    [sdkError(413), document, PermanentError],
    [sdkError(408), document, TransientError],
    [sdkError(410), document, TransientError],
    [sdkError(449), document, TransientError],
    [sdkError(500), document, TransientError],
    [sdkError(503), container, TransientError],
    [sdkError(409), container, TransientError],
    [sdkError('ECONNRESET'), document, TransientError],
    [Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }), document, TransientError],
    [Object.assign(new Error('no identity'), { name: 'CredentialUnavailableError' }), document, ConfigurationError],
    ['a string thrown by someone', container, TransientError],
  ] as const)('maps %o on %o to %o', (error, target, expected) => {
    expect(cosmosFailure(error, target)).toBeInstanceOf(expected);
  });

  it('carries the wait the server asked for on a 429, with a floor when it said nothing', () => {
    const throttled = cosmosFailure(sdkError(429, { retryAfterInMs: 250 }), document);
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterMs).toBe(250);
    expect((cosmosFailure(sdkError(429), document) as ThrottledError).retryAfterMs).toBe(1_000);
  });

  it('keeps only the first line of the server message and no cause (SDK diagnostics can carry headers)', () => {
    const error = cosmosFailure(sdkError(503, { headers: { authorization: 'type=aad&ver=1.0&sig=token' } }), document);
    expect(error.message).toBe(
      'Cosmos DB call on \'risk-1\' in container \'risks\' failed on the server (503: Message: {"Errors":["something"]})',
    );
    expect(error.cause).toBeUndefined();
  });

  it('blanks out the account key wherever a server message repeats it', () => {
    const key = 'c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=';
    for (const code of [400, 401, 403, 500, 'ECONNRESET']) {
      const error = cosmosFailure(sdkError(code, {}, `bad signature for ${key} (${'x'.repeat(300)})`), document, [key]);
      expect(error.message).not.toContain(key);
      expect(error.message).not.toContain(key.slice(0, 20));
    }
  });

  it('passes the app’s own errors through unchanged', () => {
    const own = new PreconditionFailedError('risks', 'risk-1');
    expect(cosmosFailure(own, document)).toBe(own);
  });
});
