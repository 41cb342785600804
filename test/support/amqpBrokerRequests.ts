import type { Message } from 'rhea';
import type { BrokerQueue, EntityKind } from './amqpBrokerQueues';
import { encodeMessage, notFound, outgoingMessage, plainRecord } from './amqpBrokerWire';

/** What a `$cbs` or `$management` request is answered with (the broker adds the correlation id). */
export interface Reply {
  application_properties: Record<string, unknown>;
  body?: unknown;
}

export interface EntityRef {
  queue: BrokerQueue;
  kind: EntityKind;
}

/** `$cbs` put-token: any token is good; the SDK only needs status-code 200 before it attaches. */
export function answerPutToken(): Reply {
  return { application_properties: { 'status-code': 200, 'status-description': 'OK' } };
}

/**
 * `<entity>/$management`: the two operations the adapter uses, peek-message (listDeadLetters)
 * and renew-lock (renewLock). Service Bus answers them with camel-case `statusCode`, which the
 * SDK's peek reads by that name.
 */
export function answerManagement(entity: EntityRef | undefined, address: string, request: Message, now: number): Reply {
  if (!entity) return status(404, notFound(address).condition, notFound(address).description);
  const operation = String(request.application_properties?.operation ?? '');
  const body = plainRecord(request.body);
  switch (operation) {
    case 'com.microsoft:peek-message': {
      const peeked = entity.queue.peek(entity.kind, Number(body['from-sequence-number'] ?? 1), Number(body['message-count'] ?? 1));
      if (peeked.length === 0) return status(204);
      return { ...status(200), body: { messages: peeked.map((stored) => ({ message: encodeMessage(outgoingMessage(stored)) })) } };
    }
    case 'com.microsoft:renew-lock': {
      const tokens = (body['lock-tokens'] as Buffer[] | undefined) ?? [];
      const expirations: Date[] = [];
      for (const token of tokens) {
        const until = entity.queue.renew(entity.kind, Buffer.from(token).toString('hex'), now);
        if (until === undefined) return status(410, 'com.microsoft:message-lock-lost', 'The lock supplied is invalid.');
        expirations.push(new Date(until));
      }
      return { ...status(200), body: { expirations } };
    }
    default:
      return status(501, 'amqp:not-implemented', `the test broker does not implement '${operation}'`);
  }
}

function status(code: number, condition?: string, description?: string): Reply {
  return {
    application_properties: {
      statusCode: code,
      ...(description ? { statusDescription: description } : {}),
      ...(condition ? { 'error-condition': condition } : {}),
    },
  };
}
