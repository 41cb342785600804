import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { TransientError } from '../../errors';
import type { QueueName } from '../names';
import type { LockedMessage } from '../port';
import { toLockedMessage } from './serviceBusMessages';

/** A message handed out under a lock, with the receiver that can settle it. */
export interface HeldMessage {
  receiver: ServiceBusReceiver;
  message: ServiceBusReceivedMessage;
}

/**
 * One peek-lock receiver per queue, and the SDK messages behind the LockedMessages handed out.
 *
 * The port's LockedMessage is plain data, but the SDK settles only through the message object it
 * received (its AMQP delivery), so every message handed out is held here by lock token until it
 * is settled. A process that did not receive a message cannot settle it: it gets a lock-lost
 * TransientError, which is what Service Bus answers once a lock has expired anyway.
 */
export class ReceivingLanes {
  private readonly lanes = new Map<QueueName, ReceiveLane>();
  private readonly held = new Map<string, HeldMessage>();

  constructor(private readonly client: ServiceBusClient) {}

  lane(queue: QueueName): ReceiveLane {
    let lane = this.lanes.get(queue);
    if (!lane) {
      // The pump renews locks itself (QueueReceiver.renewLock), so the SDK's own auto-renewal is off.
      lane = new ReceiveLane(queue, this.client.createReceiver(queue, { receiveMode: 'peekLock', maxAutoLockRenewalDurationInMs: 0 }));
      this.lanes.set(queue, lane);
    }
    return lane;
  }

  /** Records the SDK messages so they can be settled later, and maps them to the port's shape. */
  hand(lane: ReceiveLane, messages: ServiceBusReceivedMessage[]): LockedMessage[] {
    return messages.map((message) => {
      const locked = toLockedMessage(lane.queue, message);
      this.held.set(locked.lockToken, { receiver: lane.receiver, message });
      return locked;
    });
  }

  holder(message: LockedMessage): HeldMessage {
    const entry = this.held.get(message.lockToken);
    if (!entry) {
      throw new TransientError(
        `the lock on message '${message.messageId}' in queue '${message.queue}' is not held by this process ` +
          '(it was settled already, or the receiver was closed)',
      );
    }
    return entry;
  }

  release(message: LockedMessage): void {
    this.held.delete(message.lockToken);
  }

  /** Gives back what was received but never handed out, then closes every receiver. */
  async close(): Promise<void> {
    const lanes = [...this.lanes.values()];
    this.lanes.clear();
    this.held.clear();
    await Promise.allSettled(lanes.map((lane) => lane.close()));
  }
}

/**
 * Receives on one queue, one SDK call at a time (the SDK refuses a second concurrent
 * receiveMessages on the same receiver). `waitForMessages` long-polls with the same receiver and
 * keeps what arrives in `ready`, which the next `receive` hands out first: the pump wakes as soon
 * as a message is there, without polling.
 */
export class ReceiveLane {
  readonly ready: ServiceBusReceivedMessage[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly queue: QueueName,
    readonly receiver: ServiceBusReceiver,
  ) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    const unhanded = this.ready.splice(0);
    await Promise.allSettled(unhanded.map((message) => this.receiver.abandonMessage(message)));
    await this.receiver.close();
  }
}
