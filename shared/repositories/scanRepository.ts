import { NotImplementedError } from '../errors';
import type { UseCase } from '../azureFunctions/queueTrigger';
import { inventoryOrganization } from './inventory/inventoryOrganization';
import { syncRepositoryEvent } from './inventory/syncRepositoryEvent';
import { scanRepositoryContent } from './fullScan/scanRepositoryContent';
import { scanPush } from './pushScan/scanPush';
import { scanGitHubPush } from './pushScan/scanGitHubPush';
import { scanGitLabPush } from './pushScan/scanGitLabPush';
import { scanPullRequest } from './pullRequestScan/scanPullRequest';

/**
 * The `repo-scan` queue's use case: one dispatch per event type. Inventory keeps the `assets`
 * container current; content, push and pull request scans turn what they find into risks.
 */
export const scanRepository: UseCase = async (envelope, context) => {
  switch (`${envelope.source}:${envelope.type}`) {
    case 'vigil:inventory.requested':
      return inventoryOrganization(envelope, context);
    case 'vigil:repository.scan-requested':
      return scanRepositoryContent(envelope, context);
    case 'azure-devops:git.repo.created':
    case 'azure-devops:git.repo.renamed':
    case 'azure-devops:git.repo.statuschanged':
    case 'azure-devops:git.repo.deleted':
      return syncRepositoryEvent(envelope, context);
    case 'azure-devops:git.push':
      return scanPush(envelope, context);
    case 'github:push':
      return scanGitHubPush(envelope, context);
    case 'gitlab:push':
      return scanGitLabPush(envelope, context);
    case 'azure-devops:git.pullrequest.created':
    case 'azure-devops:git.pullrequest.updated':
      return scanPullRequest(envelope, context);
    default:
      throw new NotImplementedError(`repository scanning for ${envelope.source} '${envelope.type}'`);
  }
};
