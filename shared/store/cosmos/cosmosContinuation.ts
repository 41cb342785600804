import { PermanentError } from '../../errors';

/**
 * The SDK's continuation token travels inside an envelope of ours. Cosmos would restart a query
 * from the top on some malformed tokens instead of refusing them; the envelope lets the adapter
 * refuse anything it did not hand out, as the embedded store does, so a caller that mixes up tokens
 * fails loudly instead of re-reading pages.
 */
interface Envelope {
  cosmos: string;
}

export function wrapContinuation(sdkToken: string | undefined): string | undefined {
  if (sdkToken === undefined || sdkToken === '') return undefined;
  const envelope: Envelope = { cosmos: sdkToken };
  return Buffer.from(JSON.stringify(envelope)).toString('base64url');
}

export function unwrapContinuation(token: string | undefined): string | undefined {
  if (!token) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Envelope> | null;
    if (parsed && typeof parsed.cosmos === 'string' && parsed.cosmos.length > 0) return parsed.cosmos;
  } catch {
    // fall through: not one of ours
  }
  throw new PermanentError('invalid continuation token');
}
