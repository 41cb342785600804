import { message as amqpMessage, type Message, type Receiver, type Sender, type Source, type TerminusOptions } from 'rhea';
import type { StoredMessage } from './amqpBrokerQueues';

/**
 * How the loopback broker puts Service Bus's conventions on the wire, and the few rhea internals
 * it has to touch; kept apart so amqpBroker.ts reads as the broker's behaviour.
 */

/** Service Bus's batch message format: one AMQP message whose data sections each hold an encoded message. */
export const batchFormat = 0x80013700;

export function unbatch(payload: Buffer): Message[] {
  const envelope = amqpMessage.decode(payload);
  const content: unknown = (envelope.body as { content?: unknown }).content;
  const encoded = Array.isArray(content) ? (content as Buffer[]) : [content as Buffer];
  return encoded.map((buffer) => amqpMessage.decode(buffer) as unknown as Message);
}

/** The message as delivered or peeked: the stored one with the broker's annotations and header. */
export function outgoingMessage(stored: StoredMessage, extra: Record<string, unknown> = {}): Message {
  return {
    ...stored.message,
    delivery_count: stored.deliveryCount,
    message_annotations: {
      ...stored.message.message_annotations,
      'x-opt-sequence-number': stored.sequenceNumber,
      'x-opt-enqueued-time': new Date(stored.enqueuedAt),
      ...extra,
    },
  } as Message;
}

export function encodeMessage(message: Message): Buffer {
  return amqpMessage.encode(message);
}

/**
 * The SDK shows a lock token as the GUID string of the delivery tag in .NET byte order (the first
 * three groups reversed) and sends it back in that order in renew-lock: locks are kept in that form.
 */
export function lockTokenOf(tag: Buffer): string {
  const bytes = Buffer.from(tag);
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes.toString('hex');
}

/** Addresses arrive as `queue` or `sb://host/queue`. */
export function entityPath(address: string | undefined): string {
  return (address ?? '').replace(/^(amqps?|sb):\/\/[^/]+\//i, '');
}

export function notFound(address: string | undefined): { condition: string; description: string } {
  // core-amqp recognises this wording as MessagingEntityNotFound.
  return { condition: 'amqp:not-found', description: `The messaging entity '${address ?? ''}' could not be found.` };
}

/** A definite outcome to settle with: rhea writes a bare null otherwise, which its own peer logs as unrecognised. */
export function acceptedOutcome(): unknown {
  return outcome('accepted', {});
}

export function lockLostOutcome(): unknown {
  return outcome('rejected', {
    error: {
      condition: 'com.microsoft:message-lock-lost',
      description: 'The lock supplied is invalid: it expired or the message was settled.',
    },
  });
}

/** rhea builds outcomes with `message.accepted()` / `message.rejected({...})`, which its typings omit. */
function outcome(name: 'accepted' | 'rejected', fields: object): unknown {
  const outcomes = amqpMessage as unknown as Record<typeof name, (fields: object) => { described(): unknown }>;
  return outcomes[name](fields).described();
}

export function plainRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Buffer.isBuffer(value) ? (value as Record<string, unknown>) : {};
}

export function addressOf(terminus: Source | TerminusOptions | undefined): string | undefined {
  return (terminus as { address?: string } | undefined)?.address;
}

/** Answers an attach with the client's own source and target, as Service Bus does. */
export function echoTermini(link: Sender | Receiver): void {
  const remote = linkInternals(link).remote.attach;
  if (remote?.source) link.set_source(remote.source);
  if (remote?.target) link.set_target(remote.target);
}

/** createMessageBatch sizes batches from the max_message_size the broker's end of the link advertises. */
export function advertiseMaxMessageSize(receiver: Receiver, bytes: number): void {
  linkInternals(receiver).local.attach.max_message_size = bytes;
}

/**
 * rhea only answers a drain when credit is left over. When the last transfers crossed the drain
 * request there is none, the SDK never hears "drained", times out and closes its link. Service
 * Bus always answers, so this sender does too.
 */
export function answerDrainsEvenWithoutCredit(sender: Sender): void {
  const internals = sender as unknown as { _draining: boolean; credit: number; delivery_count: number; _get_drain(): boolean };
  internals._get_drain = function (this: typeof internals) {
    if (!this._draining) return false;
    this.delivery_count += this.credit;
    this.credit = 0;
    this._draining = false;
    return true;
  };
}

/** The link fields the typings do not expose: the local attach frame and the remote one. */
function linkInternals(link: Sender | Receiver) {
  return link as unknown as {
    local: { attach: { max_message_size?: number } };
    remote: { attach?: { source?: Source; target?: TerminusOptions } };
  };
}
