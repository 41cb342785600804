/**
 * The error taxonomy every capability shares. Settlement (shared/azureFunctions/settlement.ts) and the
 * webhook map these to what happens next, so a use case only has to say what went wrong.
 * Callers branch on `kind`, not `instanceof`: it survives duplicated module copies.
 */
export type FailureKind = 'transient' | 'throttled' | 'permanent' | 'configuration';

export class VigilError extends Error {
  readonly kind: FailureKind = 'transient';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Worth retrying as is: a network blip, a 5xx, a lock lost. */
export class TransientError extends VigilError {
  override readonly kind = 'transient' as const;
}

/** The other side asked us to come back later (429, Retry-After). */
export class ThrottledError extends VigilError {
  override readonly kind = 'throttled' as const;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Retrying cannot help: bad input, 404, no permission. The message is parked with this reason. */
export class PermanentError extends VigilError {
  override readonly kind = 'permanent' as const;
}

/** A setting is missing or wrong; the message names the setting and how to fix it. */
export class ConfigurationError extends VigilError {
  override readonly kind = 'configuration' as const;
}

export function failureKindOf(error: unknown): FailureKind {
  if (error && typeof error === 'object' && 'kind' in error) {
    const kind = (error as { kind: unknown }).kind;
    if (kind === 'transient' || kind === 'throttled' || kind === 'permanent' || kind === 'configuration') return kind;
  }
  return 'transient';
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
