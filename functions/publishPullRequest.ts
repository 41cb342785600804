import { publishPullRequest } from '../shared/pullrequests/publishPullRequest';
import { registerQueueFunction } from '../shared/runtime/functionRegistry';
import { queueTrigger } from '../shared/runtime/queueTrigger';

registerQueueFunction('publishPullRequest', { queue: 'pr-publish', handler: queueTrigger('publishPullRequest', 'pr-publish', publishPullRequest) });
