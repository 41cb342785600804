import { registerQueueFunction } from '../shared/azureFunctions/functionRegistry';
import { queueTrigger } from '../shared/azureFunctions/queueTrigger';

registerQueueFunction('sendAlert', { queue: 'alerts', handler: queueTrigger('sendAlert', 'alerts') });
