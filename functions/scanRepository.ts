import { queueTrigger, registerQueueFunction } from '../shared/azureFunctions';

registerQueueFunction('scanRepository', { queue: 'repo-scan', handler: queueTrigger('scanRepository', 'repo-scan') });
