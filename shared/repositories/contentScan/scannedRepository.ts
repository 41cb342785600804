import type { GitRepository } from '../../devops';
import type { ScannedRepository } from './repositoryRiskRecorder';

/** An Azure DevOps repository as a content scan names it: id, name, project name, and its web address for links to a file line. */
export function scannedRepository(
  repository: Pick<GitRepository, 'id' | 'name' | 'project' | 'webUrl' | 'remoteUrl'>,
  fallback: { project: string; repository: string },
): ScannedRepository {
  return {
    id: repository.id ?? fallback.repository,
    name: repository.name ?? fallback.repository,
    project: repository.project?.name ?? fallback.project,
    ...webUrlOf(repository),
  };
}

function webUrlOf(repository: Pick<GitRepository, 'webUrl' | 'remoteUrl'>): { webUrl?: string } {
  const candidate = repository.webUrl ?? repository.remoteUrl;
  if (!candidate) return {};
  try {
    const url = new URL(candidate);
    // A clone URL can name a user (`https://contoso@dev.azure.com/...`); a link to a file line should not.
    url.username = '';
    url.password = '';
    return url.protocol === 'https:' || url.protocol === 'http:' ? { webUrl: url.toString() } : {};
  } catch {
    return {};
  }
}
