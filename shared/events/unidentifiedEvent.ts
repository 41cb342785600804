import { PermanentError } from '../errors';
import type { Extracted } from './sources/sourceAdapter';

/**
 * An authenticated delivery of a routed event type in which Vigil cannot find the ids its handler
 * needs, in typed fields or in URLs. Retrying cannot help (the same payload would come again), and
 * refusing it with a 4xx would count against the subscription, so the webhook parks it instead.
 */
export class UnidentifiedEventError extends PermanentError {
  constructor(
    readonly eventType: string,
    /** What is missing: subject keys (`pushId`, `repositoryId`, …), `organization` or `project`. */
    readonly missing: string[],
  ) {
    super(`cannot identify ${eventType}: no ${missing.join(', ')} in its typed fields, resource.url or resource._links`);
  }
}

/** Runs an extractor; an event it cannot identify comes back as the error, for the webhook to park. */
export function extractOrUnidentified(
  extract: (payload: Record<string, unknown>) => Extracted,
  payload: Record<string, unknown>,
): Extracted | UnidentifiedEventError {
  try {
    return extract(payload);
  } catch (error) {
    if (error instanceof UnidentifiedEventError) return error;
    throw error;
  }
}
