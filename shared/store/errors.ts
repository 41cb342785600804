import { PermanentError, TransientError } from '../errors';

/** A create found the id already taken: someone else got there first. */
export class ConflictError extends TransientError {
  readonly code = 'conflict' as const;
  constructor(container: string, id: string) {
    super(`document '${id}' already exists in container '${container}'`);
  }
}

/** A conditional write lost the race: re-read and decide again. */
export class PreconditionFailedError extends TransientError {
  readonly code = 'precondition-failed' as const;
  constructor(container: string, id: string) {
    super(`document '${id}' in container '${container}' changed since it was read (etag mismatch)`);
  }
}

export class DocumentNotFoundError extends PermanentError {
  readonly code = 'not-found' as const;
  constructor(container: string, id: string) {
    super(`document '${id}' not found in container '${container}'`);
  }
}

export function isConflict(error: unknown): error is ConflictError {
  return hasCode(error, 'conflict');
}
export function isPreconditionFailed(error: unknown): error is PreconditionFailedError {
  return hasCode(error, 'precondition-failed');
}
export function isNotFound(error: unknown): error is DocumentNotFoundError {
  return hasCode(error, 'not-found');
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
