import { PermanentError } from '../../errors';

/** Plain identifiers joined by dots: the only field names a query may name, because they end up in query text. */
const fieldPathPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `evidence.location` → `['evidence', 'location']`; anything else is refused before it reaches a query. */
export function fieldPathSegments(field: string): string[] {
  if (!fieldPathPattern.test(field)) throw new PermanentError(`invalid field name in query: '${field}'`);
  return field.split('.');
}
