import { createHash } from 'node:crypto';
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import type { QueueName } from '../names';
import type { DeadLetteredMessage, LockedMessage, OutgoingMessage } from '../port';

/**
 * Translation between the port's messages and the SDK's, in one place so the mapping can be
 * checked against the SDK's own message objects.
 */

/** The application property that carries the envelope's event type, readable without parsing the body. */
export const typeProperty = 'type';
/**
 * The W3C `traceparent` of the sender's span, under the name the Azure SDKs and the Functions host
 * read (`Diagnostic-Id`): the Functions host makes it the parent of the trigger's invocation.
 */
export const diagnosticIdProperty = 'Diagnostic-Id';
/** Set when this adapter dead-letters a message: Service Bus itself records no dead-letter time. */
export const deadLetteredAtProperty = 'vigil-dead-lettered-at';
/** Set when a message is abandoned: the failure that made the last delivery give it back. */
export const lastErrorProperty = 'vigil-last-error';

/** Service Bus refuses a messageId longer than this; envelope ids may reach 512 characters. */
export const maxMessageIdLength = 128;

/**
 * The messageId as sent: the port's own when it fits, else a digest of it. The digest is stable,
 * so duplicate detection still drops a repeated delivery; handlers read the envelope's id anyway.
 */
export function serviceBusMessageId(messageId: string): string {
  if (messageId.length <= maxMessageIdLength) return messageId;
  return `sha256:${createHash('sha256').update(messageId).digest('base64url')}`;
}

export function toServiceBusMessage(message: OutgoingMessage): ServiceBusMessage {
  return {
    messageId: serviceBusMessageId(message.messageId),
    // The SDK writes an object body as JSON in a data section: what the Functions trigger parses.
    body: message.body,
    contentType: 'application/json',
    applicationProperties: {
      [typeProperty]: message.body.type,
      ...(message.traceparent ? { [diagnosticIdProperty]: message.traceparent } : {}),
    },
    // Sent on the normal link with the scheduled-enqueue annotation; the broker holds it until then.
    ...(message.scheduledEnqueueTime ? { scheduledEnqueueTimeUtc: message.scheduledEnqueueTime } : {}),
  };
}

/**
 * Service Bus puts `DeliveryCount - 1` in the AMQP header and the JS SDK passes the header on
 * unchanged, so the first delivery reads 0 there; the port (like the .NET SDK and the Functions
 * host's trigger metadata) counts the first delivery as 1.
 */
export function deliveryCountOf(message: ServiceBusReceivedMessage): number {
  return (message.deliveryCount ?? 0) + 1;
}

export function toLockedMessage(queue: QueueName, message: ServiceBusReceivedMessage): LockedMessage {
  const type = message.applicationProperties?.[typeProperty];
  const traceparent = message.applicationProperties?.[diagnosticIdProperty];
  return {
    queue,
    messageId: messageIdOf(message),
    body: decodeBody(message.body),
    type: typeof type === 'string' ? type : undefined,
    traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    deliveryCount: deliveryCountOf(message),
    enqueuedTime: message.enqueuedTimeUtc ?? new Date(0),
    sequenceNumber: sequenceNumberOf(message),
    lockToken: message.lockToken ?? '',
    lockedUntil: message.lockedUntilUtc ?? new Date(0),
  };
}

export function toDeadLetteredMessage(queue: QueueName, message: ServiceBusReceivedMessage): DeadLetteredMessage {
  const at = message.applicationProperties?.[deadLetteredAtProperty];
  return {
    queue,
    sequenceNumber: sequenceNumberOf(message),
    messageId: messageIdOf(message),
    body: decodeBody(message.body),
    deliveryCount: deliveryCountOf(message),
    reason: message.deadLetterReason ?? '',
    description: message.deadLetterErrorDescription ?? '',
    // Dead-lettered by the broker itself (lock expiries at the limit): the enqueue time is all there is.
    deadLetteredAt: typeof at === 'number' ? new Date(at) : (message.enqueuedTimeUtc ?? new Date(0)),
  };
}

/**
 * The copy that `replayDeadLetters` sends back to the queue. A fresh messageId, so duplicate
 * detection does not drop it as the original it is; the handlers' idempotency records key on the
 * envelope's own id, so the replay still runs the handler at most once to completion.
 */
export function toReplayedMessage(message: ServiceBusReceivedMessage, now: number): ServiceBusMessage {
  const type = message.applicationProperties?.[typeProperty];
  const traceparent = message.applicationProperties?.[diagnosticIdProperty];
  // A message replayed before keeps one suffix, so repeated replays do not grow the id.
  const original = messageIdOf(message).replace(/:replay:\d+$/, '');
  return {
    messageId: serviceBusMessageId(`${original}:replay:${now}`),
    body: message.body,
    contentType: message.contentType ?? 'application/json',
    // The replay continues the original's trace: `vigil trace` and Application Insights show it as one journey.
    applicationProperties: {
      ...(typeof type === 'string' ? { [typeProperty]: type } : {}),
      ...(typeof traceparent === 'string' ? { [diagnosticIdProperty]: traceparent } : {}),
    },
  };
}

export function sequenceNumberOf(message: ServiceBusReceivedMessage): number {
  return message.sequenceNumber ? message.sequenceNumber.toNumber() : 0;
}

function messageIdOf(message: ServiceBusReceivedMessage): string {
  const id = message.messageId;
  if (id === undefined) return '';
  return Buffer.isBuffer(id) ? id.toString('utf8') : String(id);
}

/** The SDK parses a JSON data section itself; a sender that used another format arrives as bytes or text. */
export function decodeBody(body: unknown): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : undefined;
  if (text === undefined) return body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
