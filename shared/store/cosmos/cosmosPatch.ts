import type { PatchOperation as SdkPatchOperation } from '@azure/cosmos';
import { PermanentError } from '../../errors';
import type { PatchOperation } from '../port';

/** Cosmos refuses a patch request with more operations than this. */
export const maxPatchOperations = 10;

/**
 * The port's patch operations as the SDK sends them. They already have Cosmos's shape; what is
 * checked here is what Cosmos would refuse with a bare 400, so the caller gets a message that
 * says what to change (and the embedded store's applyPatch refuses the same things).
 */
export function cosmosPatchOperations(operations: PatchOperation[], container: string, id: string): SdkPatchOperation[] {
  if (operations.length === 0 || operations.length > maxPatchOperations) {
    throw new PermanentError(
      `a patch of '${id}' in '${container}' needs 1 to ${maxPatchOperations} operations (got ${operations.length}); split it or replace the document`,
    );
  }
  return operations.map((operation) => {
    const segments = operation.path.split('/').slice(1);
    if (!operation.path.startsWith('/') || segments.some((segment) => segment === '')) {
      throw new PermanentError(`invalid patch path '${operation.path}' (expected /field or /field/sub)`);
    }
    return operation.op === 'remove'
      ? { op: 'remove', path: operation.path }
      : { op: operation.op, path: operation.path, value: operation.value };
  });
}
