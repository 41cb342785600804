import { registerQueueFunction } from '../shared/azureFunctions';
import { queueTrigger } from '../shared/azureFunctions';

registerQueueFunction('sendAlert', { queue: 'alerts', handler: queueTrigger('sendAlert', 'alerts') });
