import { registerQueueFunction } from '../shared/azureFunctions/functionRegistry';
import { queueTrigger } from '../shared/azureFunctions/queueTrigger';

registerQueueFunction('scanBuild', { queue: 'build-scan', handler: queueTrigger('scanBuild', 'build-scan') });
