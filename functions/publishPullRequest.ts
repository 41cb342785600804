import { registerQueueFunction } from '../shared/azureFunctions/functionRegistry';
import { queueTrigger } from '../shared/azureFunctions/queueTrigger';

registerQueueFunction('publishPullRequest', { queue: 'pr-publish', handler: queueTrigger('publishPullRequest', 'pr-publish') });
