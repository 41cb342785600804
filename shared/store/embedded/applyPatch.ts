import { PermanentError } from '../../errors';
import type { PatchOperation } from '../port';

/** Cosmos refuses a patch request with more operations than this. */
const maxPatchOperations = 10;

/**
 * Applies Cosmos-style patch operations to a plain JSON document (used by the embedded store).
 * It refuses what Cosmos refuses (a missing parent, replacing or removing an absent field,
 * incrementing a non-number, more than 10 operations), so a patch that works locally works in Azure.
 */
export function applyPatch<T extends object>(document: T, operations: PatchOperation[]): T {
  if (operations.length === 0 || operations.length > maxPatchOperations) {
    throw new PermanentError(
      `a patch needs 1 to ${maxPatchOperations} operations (got ${operations.length}); split it or replace the document`,
    );
  }
  const copy = structuredClone(document) as Record<string, unknown>;
  for (const operation of operations) {
    const segments = operation.path.split('/').slice(1);
    if (!operation.path.startsWith('/') || segments.length === 0 || segments.some((s) => s === '')) {
      throw new PermanentError(`invalid patch path '${operation.path}' (expected /field or /field/sub)`);
    }
    const last = segments[segments.length - 1];
    let parent: Record<string, unknown> = copy;
    for (const segment of segments.slice(0, -1)) {
      const next = parent[segment];
      if (typeof next !== 'object' || next === null) {
        throw new PermanentError(`patch path '${operation.path}': '${segment}' does not exist (a patch creates only the last segment)`);
      }
      parent = next as Record<string, unknown>;
    }
    switch (operation.op) {
      case 'set':
      case 'add':
        parent[last] = structuredClone(operation.value);
        break;
      case 'replace':
        if (!(last in parent)) throw new PermanentError(`patch replace of '${operation.path}': the field is absent (use set)`);
        parent[last] = structuredClone(operation.value);
        break;
      case 'incr': {
        const current = parent[last];
        if (current !== undefined && typeof current !== 'number') {
          throw new PermanentError(`patch incr of '${operation.path}': the field is not a number`);
        }
        parent[last] = (typeof current === 'number' ? current : 0) + operation.value;
        break;
      }
      case 'remove':
        if (!(last in parent)) throw new PermanentError(`patch remove of '${operation.path}': the field is absent`);
        delete parent[last];
        break;
    }
  }
  return copy as T;
}
