import { PermanentError } from '../../errors';
import type { Document, Stored } from '../port';

/**
 * Cosmos adds `_rid`, `_self`, `_attachments` (and sometimes `_lsn`) to every document. The port only
 * promises `_etag` and `_ts`, and the embedded store returns exactly those, so the rest is dropped on
 * the way out: a document read from either store compares equal.
 */
const internalProperties = ['_rid', '_self', '_attachments', '_lsn'] as const;
/** Never sent on a write: the server owns them, and a stale `_etag` in a body would only confuse a reader. */
const systemProperties = [...internalProperties, '_etag', '_ts'] as const;

export function storedFromCosmos<T extends Document>(resource: unknown): Stored<T> {
  const copy = { ...(resource as Record<string, unknown>) };
  for (const name of internalProperties) delete copy[name];
  return copy as unknown as Stored<T>;
}

export function bodyForCosmos<T extends Document>(document: T): Record<string, unknown> & Document {
  const copy = { ...(document as unknown as Record<string, unknown>) };
  for (const name of systemProperties) delete copy[name];
  return copy as Record<string, unknown> & Document;
}

/** The document's partition key value, checked before the call as the embedded store checks it. */
export function partitionKeyOf(document: Document, container: string, field: string): string {
  const value = (document as unknown as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new PermanentError(`document '${document.id}' in '${container}' has no partition key '${field}'`);
  }
  return value;
}

/** Cosmos ids may not contain these: `/` and `\` would change the request path, `?` and `#` cut it short. */
const forbiddenIdCharacters = /[/\\?#]/;

/** Whether Cosmos can hold a document with this id (checked before a call, so a bad id cannot turn into a misleading 401 or 404). */
export function isStorableId(id: string): boolean {
  return typeof id === 'string' && id.length > 0 && id.length <= 255 && !forbiddenIdCharacters.test(id);
}

export function checkStorableId(id: string, container: string): void {
  if (!isStorableId(id)) {
    const shown = JSON.stringify(String(id).slice(0, 80));
    throw new PermanentError(
      `document id ${shown} cannot be stored in Cosmos DB container '${container}': ids are 1-255 characters without / \\ ? # (hash such ids first)`,
    );
  }
}
