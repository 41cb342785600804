import { NotImplementedError } from '../errors';
import type { UseCase } from '../azureFunctions/queueTrigger';

/** Not built yet: parks the message with a clear reason rather than pretending success. */
export const publishPullRequest: UseCase = async () => {
  throw new NotImplementedError('pull request publishing');
};
