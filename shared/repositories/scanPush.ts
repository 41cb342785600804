import { NotImplementedError } from '../errors';
import type { UseCase } from '../runtime/queueTrigger';

export const scanPush: UseCase = async () => {
  throw new NotImplementedError('scanPush');
};
