import { registerQueueFunction } from '../shared/azureFunctions';
import { queueTrigger } from '../shared/azureFunctions';

registerQueueFunction('scanBuild', { queue: 'build-scan', handler: queueTrigger('scanBuild', 'build-scan') });
