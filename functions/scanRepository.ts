import { registerQueueFunction } from '../shared/azureFunctions/functionRegistry';
import { queueTrigger } from '../shared/azureFunctions/queueTrigger';

registerQueueFunction('scanRepository', { queue: 'repo-scan', handler: queueTrigger('scanRepository', 'repo-scan') });
