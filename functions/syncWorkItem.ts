import { queueTrigger, registerQueueFunction } from '../shared/azureFunctions';

registerQueueFunction('syncWorkItem', { queue: 'workitem-sync', handler: queueTrigger('syncWorkItem', 'workitem-sync') });
