/** A command was called wrongly or cannot run with the current settings: exit 2, one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes scripts rely on (docs/architecture.md, "The `vigil` command"). */
export const exitCodes = { ok: 0, findings: 1, failure: 1, usage: 2 } as const;
