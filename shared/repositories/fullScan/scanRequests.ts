import type { Clock } from '../../clock';
import type { EventEnvelope } from '../../events';
import type { OutgoingMessage } from '../../queue';
import type { RepositoryAsset } from '../assets/asset';

export type ScanRequestReason = 'new' | 'default-branch-changed';

/** The fields a scan request is decided on and addressed with. */
export type ScanTarget = Pick<RepositoryAsset, 'organization' | 'repositoryId' | 'projectId' | 'state' | 'defaultBranch'>;

/**
 * Whether what was just observed calls for a full content scan: a repository that became
 * scannable (new, or back from disabled, empty or deleted with a branch it was never fully
 * scanned on), or whose default branch changed. Repositories that are not active are never scanned.
 */
export function scanRequestReason(observed: ScanTarget, stored: RepositoryAsset | undefined): ScanRequestReason | undefined {
  if (observed.state !== 'active' || !observed.defaultBranch) return undefined;
  if (!stored) return 'new';
  if (stored.defaultBranch && stored.defaultBranch !== observed.defaultBranch) return 'default-branch-changed';
  if (stored.state !== 'active' && stored.lastFullScan?.branch !== observed.defaultBranch) return 'new';
  return undefined;
}

/**
 * The `repository.scan-requested` message for one repository and branch. Its id (also the
 * Service Bus messageId) is derived from both, so an inventory that is redelivered, or an event
 * and the inventory seeing the same change, ask once.
 */
export function scanRequestMessage(target: ScanTarget, reason: ScanRequestReason, clock: Clock): OutgoingMessage {
  const id = `scan-requested:${target.repositoryId}:${target.defaultBranch ?? ''}`;
  const envelope: EventEnvelope = {
    id,
    source: 'vigil',
    type: 'repository.scan-requested',
    organization: target.organization,
    project: target.projectId,
    subject: { repositoryId: target.repositoryId, reason },
    receivedAt: new Date(clock.now()).toISOString(),
  };
  return { messageId: id, body: envelope };
}
