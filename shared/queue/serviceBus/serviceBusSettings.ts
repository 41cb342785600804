import type { TokenCredential } from '@azure/identity';
import type { RetryOptions } from '@azure/service-bus';
import { ConfigurationError } from '../../errors';
import { registerSecretValue } from '../../logging';

/**
 * How the adapter reaches the namespace. Identity is the normal path (docs/architecture.md, "Choices and why"); a connection
 * string is only used when one is explicitly configured, and is never logged or put in a message.
 */
export type ServiceBusAuth =
  | { kind: 'identity'; fullyQualifiedNamespace: string; credential: TokenCredential; managedIdentityClientId?: string }
  | { kind: 'connection-string'; connectionString: string };

/** The one operation of ServiceBusAdministrationClient that `counts()` needs: a seam for unit tests. */
export interface QueueRuntimePropertiesReader {
  getQueueRuntimeProperties(queueName: string): Promise<{
    activeMessageCount: number;
    scheduledMessageCount: number;
    deadLetterMessageCount: number;
  }>;
}

export interface ServiceBusQueueSettings {
  auth: ServiceBusAuth;
  /** The queues' maxDeliveryCount (infra/ sets 10): abandon dead-letters at this delivery, as the embedded queue does. */
  maxDeliveryCount?: number;
  /** How long `receive()` waits for a first message before returning none; `waitForMessages` does the long wait. */
  receiveWaitMs?: number;
  /** How long the dead-letter operations wait for the next dead-lettered message before deciding there are no more. */
  deadLetterReceiveWaitMs?: number;
  /** The SDK's retry policy for each operation (defaults: 3 retries, exponential from 1 s). */
  retryOptions?: RetryOptions;
  /** Replaces the HTTP administration client used by `counts()` (tests; the loopback broker speaks only AMQP). */
  administrationClient?: QueueRuntimePropertiesReader;
}

export type ServiceBusEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * Reads the same settings the Functions host reads for the trigger's `connection: 'ServiceBusConnection'`:
 * `ServiceBusConnection` (a connection string) or `ServiceBusConnection__fullyQualifiedNamespace`
 * with an optional `ServiceBusConnection__clientId` (a user-assigned managed identity). When both
 * are present the connection string wins, as it does for the host, so the sender and the trigger
 * always talk to the same namespace.
 */
export function serviceBusSettingsFromEnvironment(
  env: ServiceBusEnvironment,
  credentialFactory: (managedIdentityClientId: string | undefined) => TokenCredential,
): ServiceBusQueueSettings {
  const connectionString = env.ServiceBusConnection?.trim();
  if (connectionString) return { auth: connectionStringAuth(connectionString) };
  const namespace = env.ServiceBusConnection__fullyQualifiedNamespace?.trim();
  if (!namespace) {
    throw new ConfigurationError(
      'no Service Bus connection configured: set ServiceBusConnection__fullyQualifiedNamespace (identity) or ServiceBusConnection (connection string)',
    );
  }
  const managedIdentityClientId = env.ServiceBusConnection__clientId?.trim() || undefined;
  return {
    auth: {
      kind: 'identity',
      fullyQualifiedNamespace: normaliseNamespace(namespace),
      credential: credentialFactory(managedIdentityClientId),
      managedIdentityClientId,
    },
  };
}

/** Accepts `name.servicebus.windows.net`, with or without `sb://` and a trailing slash, as the portal shows it. */
export function normaliseNamespace(value: string): string {
  const host = value.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
    throw new ConfigurationError('ServiceBusConnection__fullyQualifiedNamespace must be a host name such as vigil.servicebus.windows.net');
  }
  return host;
}

function connectionStringAuth(connectionString: string): ServiceBusAuth {
  const parts = parseConnectionString(connectionString);
  if (!parts.get('endpoint') || !(parts.get('sharedaccesskey') || parts.get('sharedaccesssignature'))) {
    // Never echo the value: it may be a key pasted into the wrong setting.
    throw new ConfigurationError(
      'ServiceBusConnection is not a Service Bus connection string (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...)',
    );
  }
  // The logger masks these from now on, should an SDK message ever carry them.
  registerSecretValue(connectionString);
  const key = parts.get('sharedaccesskey') ?? parts.get('sharedaccesssignature');
  if (key) registerSecretValue(key);
  return { kind: 'connection-string', connectionString };
}

/** `Endpoint=sb://host/;SharedAccessKeyName=...`: keys lower-cased, values kept (a key may contain `=`). */
function parseConnectionString(connectionString: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const pair of connectionString.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  return parts;
}

/** The namespace's host for messages: safe to show, unlike the rest of a connection string. */
export function namespaceOf(auth: ServiceBusAuth): string {
  if (auth.kind === 'identity') return auth.fullyQualifiedNamespace;
  const endpoint = parseConnectionString(auth.connectionString).get('endpoint') ?? '';
  return endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '') || '(unknown namespace)';
}
