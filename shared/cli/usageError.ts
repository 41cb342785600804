/** A command was called wrongly or cannot run with the current settings: exit 2, one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes scripts rely on (docs/architecture.md, "The `vigil` command"). */
export const exitCodes = { ok: 0, findings: 1, failure: 1, usage: 2 } as const;

/**
 * A percent-encoded part of an argument (`contoso%20web`), decoded; a malformed escape (`%ff`,
 * `%E0%A4%A`) is a usage error naming the argument, not a URIError with a stack trace.
 */
export function decodeArgumentPart(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new UsageError(`${what} '${part.slice(0, 200)}' has a malformed percent-escape (write %25 for a literal %)`);
  }
}
