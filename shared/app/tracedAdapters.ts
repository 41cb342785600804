import type { QueueName } from '../queue/names';
import type { OutgoingMessage } from '../queue/port';
import type { Container, Document, Store } from '../store/port';
import { telemetry } from '../telemetry';
import type { Vault } from '../vault/port';
import type { QueueBackend } from './services';

/**
 * The adapters wrapped so each call is a span (docs/architecture.md, "Telemetry"): a store call, a
 * vault read, a send. Wrapped only when telemetry is on, so with it off nothing is in the way.
 * Spans carry the container, the queue and message ids: never a document, a message body or a secret.
 */
export function tracedQueue(queue: QueueBackend, system: 'servicebus' | 'embedded'): QueueBackend {
  const send = queue.send.bind(queue);
  return Object.assign(Object.create(queue) as QueueBackend, {
    send: (name: QueueName, messages: OutgoingMessage[]) =>
      telemetry().inSpan(
        `send ${name}`,
        {
          kind: 'producer',
          attributes: {
            'messaging.system': system,
            'messaging.destination.name': name,
            'messaging.batch.message_count': messages.length,
            'vigil.queue': name,
            ...(messages.length === 1 ? { 'messaging.message.id': messages[0].messageId } : {}),
          },
        },
        // Inside the send span: the handler's span becomes its child, across the queue.
        async () => {
          const traceparent = telemetry().traceparent();
          return send(
            name,
            messages.map((message) => (message.traceparent || !traceparent ? message : { ...message, traceparent })),
          );
        },
      ),
  });
}

export function tracedStore(store: Store, system: 'cosmosdb' | 'sqlite'): Store {
  return Object.assign(Object.create(store) as Store, {
    container: <T extends Document>(name: Parameters<Store['container']>[0]) => tracedContainer(store.container<T>(name), name, system),
  });
}

const containerOperations = ['create', 'read', 'replace', 'upsert', 'patch', 'delete', 'query', 'count'] as const;

function tracedContainer<T extends Document>(container: Container<T>, name: string, system: string): Container<T> {
  const traced = Object.create(container) as Container<T>;
  const label = system === 'cosmosdb' ? 'Cosmos DB' : 'store';
  for (const operation of containerOperations) {
    const original = container[operation] as (...args: unknown[]) => Promise<unknown>;
    if (typeof original !== 'function') continue;
    Object.assign(traced, {
      [operation]: (...args: unknown[]) =>
        telemetry().inSpan(
          `${label} ${operation} ${name}`,
          { kind: 'client', attributes: { 'db.system': system, 'db.collection.name': name, 'db.operation.name': operation } },
          () => original.apply(container, args),
        ),
    });
  }
  return traced;
}

export function tracedVault(vault: Vault, system: 'keyvault' | 'local'): Vault {
  return Object.assign(Object.create(vault) as Vault, {
    // The secret's name stays out of the span too: only that a read happened, and how it went.
    getSecret: (name: string) =>
      telemetry().inSpan(
        system === 'keyvault' ? 'Key Vault get secret' : 'vault get secret',
        { kind: 'client', attributes: { 'vault.system': system } },
        () => vault.getSecret(name),
      ),
  });
}
