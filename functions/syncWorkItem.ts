import { registerQueueFunction } from '../shared/azureFunctions';
import { queueTrigger } from '../shared/azureFunctions';

registerQueueFunction('syncWorkItem', { queue: 'workitem-sync', handler: queueTrigger('syncWorkItem', 'workitem-sync') });
