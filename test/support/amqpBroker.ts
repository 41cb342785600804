import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import { type Connection, create_container, type Delivery, type EventContext, type Message, type Receiver, type Sender } from 'rhea';
import { type Clock, systemClock } from '../../shared/clock';
import { BrokerQueue, type BrokerSettings } from './amqpBrokerQueues';
import { answerManagement, answerPutToken, type EntityRef, type Reply } from './amqpBrokerRequests';
import {
  acceptedOutcome,
  addressOf,
  advertiseMaxMessageSize,
  answerDrainsEvenWithoutCredit,
  batchFormat,
  echoTermini,
  entityPath,
  lockLostOutcome,
  lockTokenOf,
  notFound,
  outgoingMessage,
  plainRecord,
  unbatch,
} from './amqpBrokerWire';

/**
 * A loopback AMQP 1.0 broker that the real @azure/service-bus SDK talks to, for tests. It speaks
 * just enough of Service Bus's dialect for send, peek-lock receive and settlement:
 * - `$cbs` put-token: any token is accepted;
 * - sender links to `<queue>`: single and batch transfers, duplicate detection on message_id,
 *   `x-opt-scheduled-enqueue-time`;
 * - receiver links on `<queue>` and `<queue>/$DeadLetterQueue`: credit, drain, peek-lock with
 *   lock expiry; accepted = complete, modified/released = abandon (delivery count + 1, dead-letter
 *   at the limit), rejected = dead-letter with the error's DeadLetterReason/Description;
 * - `<entity>/$management`: peek-message and renew-lock; anything else answers 501.
 * Not supported: sessions, transactions, deferral, schedule-message over $management (the
 * adapter schedules with the message annotation), settlement over $management, and the HTTP
 * administration API (getQueueRuntimeProperties below stands in for counts).
 *
 * The SDK connects over plain TCP because the connection string says `UseDevelopmentEmulator=true`:
 * core-amqp 4.4 then picks TCP instead of TLS and takes the port from the Endpoint.
 */
export interface AmqpBroker {
  port: number;
  connectionString: string;
  /** What ServiceBusAdministrationClient.getQueueRuntimeProperties reports, computed from the broker's state. */
  getQueueRuntimeProperties(queue: string): Promise<ReturnType<BrokerQueue['runtimeProperties']>>;
  close(): Promise<void>;
}

export interface AmqpBrokerOptions extends Partial<BrokerSettings> {
  /** Queues that exist; attaching to any other answers amqp:not-found, as a missing entity does. */
  queues: readonly string[];
  /** The broker's time for locks, schedules and duplicate windows: a ManualClock lets a test expire a lock. */
  clock?: Clock;
}

const deadLetterSuffix = '/$deadletterqueue';
const managementSuffix = '/$management';
/** Service Bus Standard's largest message. */
const maxMessageSize = 256 * 1024;

export async function startAmqpBroker(options: AmqpBrokerOptions): Promise<AmqpBroker> {
  const settings: BrokerSettings = {
    maxDeliveryCount: options.maxDeliveryCount ?? 10,
    lockDurationMs: options.lockDurationMs ?? 30_000,
    duplicateWindowMs: options.duplicateWindowMs ?? 10 * 60_000,
  };
  const clock = options.clock ?? systemClock;
  let sequence = 0;
  const queues = new Map(options.queues.map((name) => [name, new BrokerQueue(name, settings, () => ++sequence)]));
  const consumers = new Map<Sender, EntityRef>();
  const replyLinks = new Map<Connection, Map<string, Sender>>();
  const deliveries = new WeakMap<Delivery, { entity: EntityRef; token: string }>();
  const scheduleTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const sockets = new Set<Socket>();

  const entityOf = (address: string | undefined): EntityRef | undefined => {
    const path = entityPath(address);
    const deadLetter = path.toLowerCase().endsWith(deadLetterSuffix);
    const queue = queues.get(deadLetter ? path.slice(0, -deadLetterSuffix.length) : path);
    return queue && { queue, kind: deadLetter ? 'deadLetter' : 'active' };
  };

  /** Hands available messages, each under a fresh lock, to every receiver link on the entity that has credit. */
  const deliver = (entity: EntityRef) => {
    const now = clock.now();
    for (const [sender, target] of consumers) {
      if (target.queue !== entity.queue || target.kind !== entity.kind) continue;
      while (sender.sendable()) {
        const stored = entity.queue.nextAvailable(entity.kind, now);
        if (!stored) break;
        const tag = randomBytes(16);
        const lock = entity.queue.lock(stored, lockTokenOf(tag), sender, now);
        const delivery = sender.send(outgoingMessage(stored, { 'x-opt-locked-until': new Date(lock.until) }), tag);
        deliveries.set(delivery, { entity, token: lock.token });
      }
    }
    wakeWhenDue(entity, now);
  };

  /** A scheduled message becomes receivable silently: one timer per entity hands out the next one when it is due. */
  const wakeWhenDue = (entity: EntityRef, now: number) => {
    const key = `${entity.queue.name}|${entity.kind}`;
    const due = entity.queue.entity(entity.kind).filter((stored) => stored.visibleAt > now);
    const next = Math.min(...due.map((stored) => stored.visibleAt));
    const current = scheduleTimers.get(key);
    if (!Number.isFinite(next) || (current && current.at <= next)) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      scheduleTimers.delete(key);
      deliver(entity);
    }, next - now);
    timer.unref();
    scheduleTimers.set(key, { at: next, timer });
  };

  /** The client's disposition on a delivered message. Its receivers use rcv_settle_mode second, so the broker settles. */
  const settle = (context: EventContext, outcome: 'complete' | 'abandon' | 'deadLetter') => {
    const delivery = context.delivery;
    const record = delivery && deliveries.get(delivery);
    if (!delivery || !record) return; // a reply on a $cbs/$management link
    deliveries.delete(delivery);
    const { entity, token } = record;
    const stored = entity.queue.locked(entity.kind, token, clock.now());
    if (!stored) {
      delivery.update(true, lockLostOutcome());
    } else {
      const state = delivery.remote_state ?? {};
      if (outcome === 'complete') entity.queue.complete(entity.kind, stored);
      if (outcome === 'abandon') entity.queue.giveBack(entity.kind, stored, 'abandoned', plainRecord(state.message_annotations));
      if (outcome === 'deadLetter' && entity.kind === 'active') {
        const { DeadLetterReason: reason, DeadLetterErrorDescription: description, ...properties } = plainRecord(state.error?.info);
        entity.queue.deadLetter(stored, String(reason ?? ''), String(description ?? ''), properties);
      }
      if (outcome === 'deadLetter' && entity.kind === 'deadLetter') entity.queue.giveBack(entity.kind, stored, 'already dead-lettered');
      delivery.update(true, acceptedOutcome());
    }
    deliver(entity);
  };

  const reply = (context: EventContext, request: Message, response: Reply) => {
    const link = replyLinks.get(context.connection)?.get(String(request.reply_to));
    link?.send({ ...response, correlation_id: request.message_id } as Message);
  };

  const container = create_container({ id: 'vigil-test-broker', autoaccept: false, treat_modified_as_released: false });

  // The client attaches a receiver: on a queue or dead-letter queue, or the reply half of $cbs/$management.
  container.on('sender_open', (context: EventContext) => {
    const sender = context.sender as Sender;
    echoTermini(sender);
    const address = addressOf(sender.source);
    if (isRequestResponse(address)) {
      const links = replyLinks.get(context.connection) ?? new Map<string, Sender>();
      // Replies go to the request's reply_to: the link's name ($cbs) or its target address ($management).
      links.set(sender.name, sender);
      const target = addressOf(sender.target);
      if (target) links.set(target, sender);
      replyLinks.set(context.connection, links);
      return;
    }
    const entity = entityOf(address);
    if (!entity) return sender.close(notFound(address));
    answerDrainsEvenWithoutCredit(sender);
    consumers.set(sender, entity);
  });

  // The client attaches a sender: to a queue, or the request half of $cbs/$management.
  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver as Receiver;
    echoTermini(receiver);
    const address = addressOf(receiver.target);
    if (isRequestResponse(address)) return;
    if (entityOf(address)?.kind !== 'active') return receiver.close(notFound(address));
    advertiseMaxMessageSize(receiver, maxMessageSize);
  });

  container.on('message', (context: EventContext) => {
    const address = addressOf((context.receiver as Receiver).target) ?? '';
    const delivery = context.delivery as Delivery;
    const request = context.message as Message;
    delivery.accept();
    if (address === '$cbs') return reply(context, request, answerPutToken());
    if (address.endsWith(managementSuffix)) {
      const entityAddress = address.slice(0, -managementSuffix.length);
      return reply(context, request, answerManagement(entityOf(entityAddress), entityAddress, request, clock.now()));
    }
    const entity = entityOf(address);
    if (!entity) return;
    const format = (context as EventContext & { format?: number }).format;
    const messages = format === batchFormat ? unbatch(context.message as unknown as Buffer) : [request];
    const now = clock.now();
    for (const message of messages) entity.queue.enqueue(message, now);
    deliver(entity);
  });

  container.on('sendable', (context: EventContext) => {
    const entity = consumers.get(context.sender as Sender);
    if (entity) deliver(entity);
  });
  // The SDK drains leftover credit when a receive call ends and waits for the answer before returning.
  container.on('sender_draining', (context: EventContext) => {
    const sender = context.sender as Sender;
    const entity = consumers.get(sender);
    if (entity) deliver(entity);
    sender.set_drained(true);
  });

  container.on('accepted', (context: EventContext) => settle(context, 'complete'));
  container.on('released', (context: EventContext) => settle(context, 'abandon'));
  container.on('modified', (context: EventContext) => settle(context, 'abandon'));
  container.on('rejected', (context: EventContext) => settle(context, 'deadLetter'));

  // A receiver link that goes away gives back what it held, as a detached AMQP consumer's deliveries are released.
  const forget = (sender: Sender | undefined) => {
    const entity = sender && consumers.get(sender);
    if (!sender || !entity) return;
    consumers.delete(sender);
    entity.queue.releaseHolder(sender);
    deliver(entity);
  };
  container.on('sender_close', (context: EventContext) => forget(context.sender));
  const dropConnection = (context: EventContext) => {
    replyLinks.delete(context.connection);
    for (const [sender] of consumers) if (sender.connection === context.connection) forget(sender);
  };
  container.on('connection_close', dropConnection);
  container.on('disconnected', dropConnection);
  // A client that goes away mid-operation is not the broker's failure.
  container.on('error', () => undefined);

  const server: Server = container.listen({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=test;SharedAccessKey=${randomBytes(32).toString('base64')};UseDevelopmentEmulator=true`,
    async getQueueRuntimeProperties(queue) {
      const found = queues.get(queue);
      if (!found) throw Object.assign(new Error(`queue '${queue}' not found`), { name: 'RestError', statusCode: 404 });
      return found.runtimeProperties(clock.now());
    },
    async close() {
      for (const { timer } of scheduleTimers.values()) clearTimeout(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function isRequestResponse(address: string | undefined): boolean {
  return address === '$cbs' || (address ?? '').endsWith(managementSuffix);
}
