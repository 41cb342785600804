import { NotImplementedError } from '../errors';
import type { UseCase } from '../runtime/queueTrigger';

export const scanRepositoryContent: UseCase = async () => {
  throw new NotImplementedError('scanRepositoryContent');
};
