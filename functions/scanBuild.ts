import { queueTrigger, registerQueueFunction } from '../shared/azureFunctions';

registerQueueFunction('scanBuild', { queue: 'build-scan', handler: queueTrigger('scanBuild', 'build-scan') });
