import { queueTrigger, registerQueueFunction } from '../shared/azureFunctions';

registerQueueFunction('sendAlert', { queue: 'alerts', handler: queueTrigger('sendAlert', 'alerts') });
