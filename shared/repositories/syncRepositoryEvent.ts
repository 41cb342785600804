import { NotImplementedError } from '../errors';
import type { UseCase } from '../runtime/queueTrigger';

export const syncRepositoryEvent: UseCase = async () => {
  throw new NotImplementedError('syncRepositoryEvent');
};
