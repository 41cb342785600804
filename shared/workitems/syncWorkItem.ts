import { NotImplementedError } from '../errors';
import type { UseCase } from '../azureFunctions/queueTrigger';

/** Not built yet: parks the message with a clear reason rather than pretending success. */
export const syncWorkItem: UseCase = async () => {
  throw new NotImplementedError('work-item sync');
};
