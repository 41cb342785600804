import { NotImplementedError } from '../errors';
import type { UseCase } from '../runtime/queueTrigger';

export const scanPullRequest: UseCase = async () => {
  throw new NotImplementedError('scanPullRequest');
};
