import { registerQueueFunction } from '../shared/azureFunctions/functionRegistry';
import { queueTrigger } from '../shared/azureFunctions/queueTrigger';

registerQueueFunction('syncWorkItem', { queue: 'workitem-sync', handler: queueTrigger('syncWorkItem', 'workitem-sync') });
