/** The public surface of queue/: what other folders may import (docs/architecture.md, "Layout"). */
export { listFailedMessages, purgeFailedMessages, replayFailedMessages } from './failedMessages';
export type { FailedMessageFilter, FailedMessageStores } from './failedMessages';
export { isQueueName, queueNames } from './names';
export type { QueueName } from './names';
export { parkMessage } from './parkedMessages';
export type { ParkedMessage } from './parkedMessages';
export type { LockedMessage, OutgoingMessage, QueueCounts, QueueReceiver, QueueSender } from './port';
export { parkedMessageId } from './parkedMessages';
