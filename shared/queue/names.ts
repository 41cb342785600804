/** The queues of docs/architecture.md, "Queues and settlement"; infra/ and the function registrations must agree with this list. */
export const queueNames = ['build-scan', 'repo-scan', 'workitem-sync', 'pr-publish', 'alerts'] as const;
export type QueueName = (typeof queueNames)[number];

export function isQueueName(value: string): value is QueueName {
  return (queueNames as readonly string[]).includes(value);
}

/** Service Bus and the embedded queue both dead-letter after this many deliveries. */
export const defaultMaxDeliveryCount = 10;
