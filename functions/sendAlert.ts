import { sendAlert } from '../shared/alerts/sendAlert';
import { registerQueueFunction } from '../shared/runtime/functionRegistry';
import { queueTrigger } from '../shared/runtime/queueTrigger';

registerQueueFunction('sendAlert', { queue: 'alerts', handler: queueTrigger('sendAlert', 'alerts', sendAlert) });
