import type { z } from 'zod';
import { WebhookRejection } from '../webhookErrors';
import type { Extracted } from './sourceAdapter';

/**
 * Builds an extractor that validates the payload with `schema` and maps it; a mismatch is a 422
 * naming the field. `map` also gets the payload as it arrived: the schema drops fields it does not
 * name, and some facts (the organization in a URL) may sit in any of them.
 */
export function extractWith<S extends z.ZodType>(
  schema: S,
  map: (payload: z.infer<S>, raw: Record<string, unknown>) => Extracted,
): (payload: Record<string, unknown>) => Extracted {
  return (payload) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.map(String).join('.');
      throw new WebhookRejection(422, 'invalid_payload', `payload field '${field}': ${issue.message}`, field);
    }
    return map(parsed.data, payload);
  };
}
