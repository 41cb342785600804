import { NotImplementedError } from '../errors';
import type { UseCase } from '../runtime/queueTrigger';

export const inventoryOrganization: UseCase = async () => {
  throw new NotImplementedError('inventoryOrganization');
};
