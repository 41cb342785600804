import { isServiceBusError, type ServiceBusErrorCode } from '@azure/service-bus';
import { ConfigurationError, PermanentError, TransientError, VigilError } from '../../errors';
import { scrubSecrets } from '../../logging';

/** What the adapter was doing when the SDK failed, so the error can say what to do about it. */
export interface ServiceBusOperation {
  /** A verb phrase: 'send to', 'receive from', 'settle a message of', 'read the counts of'. */
  action: string;
  /** The entity: a queue name, or `<queue>/$DeadLetterQueue`. */
  entity: string;
  namespace: string;
  /** Which credential was refused, for the hint: a managed identity's client id, or a connection string. */
  principal: string;
}

/**
 * Maps an SDK failure to the shared taxonomy (shared/errors.ts), which decides what happens next:
 * transient failures are retried by redelivery, configuration failures name the setting or the
 * resource to fix. The SDK's own text is kept for diagnosis but scrubbed of anything key-like,
 * and the original error is not attached, since loggers print causes too.
 */
export function toQueueError(error: unknown, operation: ServiceBusOperation): VigilError {
  if (error instanceof VigilError) return error;
  const where = `${operation.action} '${operation.entity}' in namespace ${operation.namespace}`;
  const detail = describe(error);

  if (isServiceBusError(error)) return fromServiceBusCode(error.code, where, detail, operation);

  const name = error instanceof Error ? error.name : '';
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError') {
    return new ConfigurationError(
      `could not ${where}: no usable Azure credential (${detail}); run with a managed identity ` +
        '(set ServiceBusConnection__clientId for a user-assigned one) or sign in with `az login` locally',
    );
  }
  const status = restStatusOf(error);
  if (status !== undefined) return fromHttpStatus(status, where, detail, operation);
  if (name === 'AbortError') return new TransientError(`could not ${where}: the operation was aborted (${detail})`);
  // Anything else (network errors, timeouts, rhea link errors) is worth another delivery.
  return new TransientError(`could not ${where}: ${detail}`);
}

function fromServiceBusCode(code: ServiceBusErrorCode, where: string, detail: string, operation: ServiceBusOperation): VigilError {
  switch (code) {
    case 'MessagingEntityNotFound':
      return notFound(operation);
    case 'UnauthorizedAccess':
      return unauthorized(where, detail, operation);
    case 'MessagingEntityDisabled':
      return new ConfigurationError(`could not ${where}: the queue is disabled; enable it in the portal or with infra/ (${detail})`);
    case 'QuotaExceeded':
      return new ConfigurationError(
        `could not ${where}: a quota is exhausted (${detail}); the queue may be full (drain it or raise maxSizeInMegabytes) ` +
          'or the namespace out of connections',
      );
    case 'MessageSizeExceeded':
      return new PermanentError(`could not ${where}: the message is larger than the queue accepts (${detail})`);
    case 'MessageLockLost':
    case 'SessionLockLost':
    case 'MessageNotFound':
      return new TransientError(`could not ${where}: the lock was lost (it expired, or the message was settled already) (${detail})`);
    case 'MessagingEntityAlreadyExists':
      return new PermanentError(`could not ${where}: ${detail}`);
    default:
      // ServiceBusy, ServiceTimeout, ServiceCommunicationProblem, SessionCannotBeLocked, GeneralError and any code added later.
      return new TransientError(`could not ${where}: ${detail}`);
  }
}

function fromHttpStatus(status: number, where: string, detail: string, operation: ServiceBusOperation): VigilError {
  if (status === 404) return notFound(operation);
  if (status === 401 || status === 403) return unauthorized(where, detail, operation, 'Azure Service Bus Data Owner');
  if (status === 429 || status >= 500) return new TransientError(`could not ${where}: HTTP ${status} (${detail})`);
  return new PermanentError(`could not ${where}: HTTP ${status} (${detail})`);
}

function notFound(operation: ServiceBusOperation): ConfigurationError {
  const queue = operation.entity.split('/')[0];
  return new ConfigurationError(`queue '${queue}' does not exist in namespace ${operation.namespace} (deploy infra/ or create it)`);
}

function unauthorized(where: string, detail: string, operation: ServiceBusOperation, role?: string): ConfigurationError {
  const needed = role ?? (operation.action.startsWith('send') ? 'Azure Service Bus Data Sender' : 'Azure Service Bus Data Receiver');
  return new ConfigurationError(
    `could not ${where}: ${operation.principal} is not authorized (${detail}); grant it the '${needed}' role on the namespace, ` +
      'or use a connection string whose policy has the needed rights',
  );
}

function restStatusOf(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'statusCode' in error) {
    const status = (error as { statusCode: unknown }).statusCode;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

const keyPatterns: RegExp[] = [
  /SharedAccessKey=[^;\s]+/gi,
  /SharedAccessSignature=[^;]+/gi,
  /\bsig=[^&\s;]+/gi,
  /\bEndpoint=sb:\/\/[^\s]+/gi,
];

/** The SDK's message, one line, without anything that could be a key or a whole connection string. */
export function describe(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  let text = scrubSecrets(raw.split('\n')[0] ?? '');
  for (const pattern of keyPatterns) text = text.replace(pattern, (match) => `${match.split('=')[0]}=***`);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
