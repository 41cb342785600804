import { ConfigurationError, PermanentError, ThrottledError, TransientError, VigilError } from '../../errors';
import { ConflictError, DocumentNotFoundError, PreconditionFailedError } from '../errors';

/** What the failed call was about: a container (and, for a document operation, the document's id), or the database itself at start-up. */
export type CosmosTarget = { container: string; id?: string } | { database: string };

/** Values that must never appear in a message (the account key), even if a server echoes one back. */
export type SecretValues = readonly string[];

/** When Cosmos says 429 without `x-ms-retry-after-ms` (it always sends one; this is a floor, not a guess). */
const fallbackRetryAfterMs = 1_000;
const substatusOwnerResourceNotFound = 1003;

/**
 * Translates what @azure/cosmos threw into the shared taxonomy, so settlement knows whether to retry,
 * reschedule or park. The SDK error itself is not kept as `cause`: its request diagnostics can carry
 * headers, and a bearer token must never reach a log. Only status, substatus and the server's first
 * message line are kept, with any configured secret blanked out.
 */
export function cosmosFailure(error: unknown, target: CosmosTarget, secrets: SecretValues = []): Error {
  if (error instanceof VigilError) return error;
  const shape = errorShape(error, secrets);
  const where = describe(target);
  if (typeof shape.code === 'number') return statusFailure(shape.code, shape, target, where);
  if (shape.name === 'CredentialUnavailableError' || shape.name === 'AuthenticationRequiredError') {
    return new ConfigurationError(
      `no Entra ID credential for Cosmos DB (${shape.name}): give the app a managed identity, or set COSMOS_KEY for key auth`,
    );
  }
  if (shape.name === 'AbortError') return new TransientError(`Cosmos DB call on ${where} ran out of time`);
  const code = typeof shape.code === 'string' ? ` (${shape.code})` : '';
  return new TransientError(`Cosmos DB call on ${where} failed${code}: ${shape.summary}`);
}

function statusFailure(status: number, shape: ErrorShape, target: CosmosTarget, where: string): Error {
  const detail = `${status}${shape.substatus === undefined ? '' : `/${shape.substatus}`}: ${shape.summary}`;
  switch (status) {
    case 401:
      return new ConfigurationError(
        `Cosmos DB refused our credentials (${detail}); check COSMOS_ENDPOINT, and COSMOS_KEY if key auth is configured`,
      );
    case 403:
      return new ConfigurationError(
        `Cosmos DB forbade the call on ${where} (${detail}); give the app's identity a Cosmos DB data-plane role assignment (Cosmos DB Built-in Data Contributor) on the account at COSMOS_ENDPOINT`,
      );
    case 404:
      if ('database' in target) {
        return new ConfigurationError(
          `Cosmos DB database '${target.database}' (COSMOS_DATABASE) does not exist; create it with infra/ or set VIGIL_COSMOS_CREATE=true`,
        );
      }
      if (target.id !== undefined && shape.substatus !== substatusOwnerResourceNotFound) {
        return new DocumentNotFoundError(target.container, target.id);
      }
      return new ConfigurationError(
        `Cosmos DB container '${target.container}' or its database (COSMOS_DATABASE) does not exist; create it with infra/ or set VIGIL_COSMOS_CREATE=true`,
      );
    case 409:
      return 'container' in target && target.id !== undefined
        ? new ConflictError(target.container, target.id)
        : new TransientError(`Cosmos DB conflict on ${where} (${detail})`);
    case 412:
      return 'container' in target && target.id !== undefined
        ? new PreconditionFailedError(target.container, target.id)
        : new TransientError(`Cosmos DB precondition failed on ${where} (${detail})`);
    case 429:
      return new ThrottledError(
        `Cosmos DB is throttling calls on ${where} (429) and the client's retries are spent`,
        shape.retryAfterMs ?? fallbackRetryAfterMs,
      );
    case 408:
    case 410:
    case 449:
      return new TransientError(`Cosmos DB call on ${where} failed, worth retrying (${detail})`);
    default:
      if (status >= 500) return new TransientError(`Cosmos DB call on ${where} failed on the server (${detail})`);
      return new PermanentError(`Cosmos DB refused the call on ${where} (${detail})`);
  }
}

function describe(target: CosmosTarget): string {
  if ('database' in target) return `database '${target.database}'`;
  return target.id === undefined ? `container '${target.container}'` : `'${target.id}' in container '${target.container}'`;
}

interface ErrorShape {
  code?: number | string;
  substatus?: number;
  retryAfterMs?: number;
  name?: string;
  summary: string;
}

function errorShape(error: unknown, secrets: SecretValues): ErrorShape {
  const record: Record<string, unknown> = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = record.code;
  return {
    code: typeof code === 'number' || typeof code === 'string' ? code : undefined,
    substatus: typeof record.substatus === 'number' ? record.substatus : undefined,
    retryAfterMs: typeof record.retryAfterInMs === 'number' && Number.isFinite(record.retryAfterInMs) ? record.retryAfterInMs : undefined,
    name: typeof record.name === 'string' ? record.name : undefined,
    summary: firstLine(redact(typeof record.message === 'string' ? record.message : String(error), secrets)),
  };
}

function redact(text: string, secrets: SecretValues): string {
  return secrets.reduce((redacted, secret) => (secret.length > 0 ? redacted.split(secret).join('[redacted]') : redacted), text);
}

/** Cosmos messages run to several lines of diagnostics; the first says what went wrong. */
function firstLine(message: string): string {
  const line = message.split(/\r?\n/, 1)[0].trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || 'no message';
}
