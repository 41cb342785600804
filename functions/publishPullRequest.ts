import { registerQueueFunction } from '../shared/azureFunctions';
import { queueTrigger } from '../shared/azureFunctions';

registerQueueFunction('publishPullRequest', { queue: 'pr-publish', handler: queueTrigger('publishPullRequest', 'pr-publish') });
