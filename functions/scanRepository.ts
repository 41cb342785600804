import { scanRepository } from '../shared/repositories/scanRepository';
import { registerQueueFunction } from '../shared/runtime/functionRegistry';
import { queueTrigger } from '../shared/runtime/queueTrigger';

registerQueueFunction('scanRepository', { queue: 'repo-scan', handler: queueTrigger('scanRepository', 'repo-scan', scanRepository) });
