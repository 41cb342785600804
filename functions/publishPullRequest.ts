import { queueTrigger, registerQueueFunction } from '../shared/azureFunctions';

registerQueueFunction('publishPullRequest', { queue: 'pr-publish', handler: queueTrigger('publishPullRequest', 'pr-publish') });
