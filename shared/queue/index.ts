/** The public surface of queue/: what other folders may import (docs/architecture.md, "Layout"). */

export type { FailedMessageFilter, FailedMessageStores } from './failedMessages';
export { listFailedMessages, purgeFailedMessages, replayFailedMessages } from './failedMessages';
export type { QueueName } from './names';
export { isQueueName, queueNames } from './names';
export type { ParkedMessage } from './parkedMessages';
export { parkedMessageId, parkMessage } from './parkedMessages';
export type { LockedMessage, OutgoingMessage, QueueCounts, QueueReceiver, QueueSender } from './port';
