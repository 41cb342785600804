import { createEmbeddedQueue } from '../../../shared/queue/embedded/embeddedQueue';
import { defaultMaxDeliveryCount } from '../../../shared/queue/names';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { describeQueueContract } from '../../contract/queueContract';

// Every spec gets its own in-memory SQLite database: the same code as the `.vigil/` file.
describeQueueContract('embedded SQLite', async () => {
  const db = openInMemoryDatabase();
  const queue = createEmbeddedQueue(db, { maxDeliveryCount: defaultMaxDeliveryCount });
  return {
    queue,
    maxDeliveryCount: defaultMaxDeliveryCount,
    async close() {
      await queue.close();
      db.close();
    },
  };
});
