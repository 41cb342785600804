import { syncWorkItem } from '../shared/workitems/syncWorkItem';
import { registerQueueFunction } from '../shared/runtime/functionRegistry';
import { queueTrigger } from '../shared/runtime/queueTrigger';

registerQueueFunction('syncWorkItem', { queue: 'workitem-sync', handler: queueTrigger('syncWorkItem', 'workitem-sync', syncWorkItem) });
