import { registerQueueFunction } from '../shared/azureFunctions';
import { queueTrigger } from '../shared/azureFunctions';

registerQueueFunction('scanRepository', { queue: 'repo-scan', handler: queueTrigger('scanRepository', 'repo-scan') });
