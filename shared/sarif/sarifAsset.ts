import { PermanentError } from '../errors';
import type { RiskAsset } from '../risks';
import type { CiContext } from './ciContext';

/** What the repository's inventory holds, as far as naming an asset needs. */
export interface InventoriedRepository {
  repositoryId: string;
  name: string;
  project: string;
}

/**
 * The repository a CI context names, as risks name it — the same asset Vigil's own scans of that
 * repository use, so a SARIF finding and a leaked secret in one repository share its risk score and
 * work item routing: `repository:<guid>` (Azure DevOps, from the inventory), `repository:github:<owner>:<name>`,
 * `repository:gitlab:<project id>` (the path when no id was sent).
 */
export function sarifAsset(context: CiContext, inventory: readonly InventoriedRepository[]): RiskAsset & { project?: string } {
  if (context.source === 'github') {
    return { id: `repository:github:${context.repository.toLowerCase().replace('/', ':')}`, name: context.repository, type: 'repository' };
  }
  if (context.source === 'gitlab') {
    const key = context.repositoryId && /^\d+$/.test(context.repositoryId) ? context.repositoryId : context.repository.toLowerCase();
    return { id: `repository:gitlab:${key}`, name: context.repository, type: 'repository' };
  }
  const wantedId = context.repositoryId?.toLowerCase();
  const wantedName = context.repository.toLowerCase();
  const found =
    inventory.find((r) => wantedId !== undefined && r.repositoryId.toLowerCase() === wantedId) ??
    inventory.find(
      (r) => r.name.toLowerCase() === wantedName && (!context.project || r.project.toLowerCase() === context.project.toLowerCase()),
    );
  if (!found) {
    throw new PermanentError(
      `no repository '${context.project}/${context.repository}' in the inventory of '${context.organization}' (vigil repos inventory --org ${context.organization}, then vigil dlq replay)`,
    );
  }
  return { id: `repository:${found.repositoryId}`, name: `${found.project}/${found.name}`, type: 'repository', project: found.project };
}
