import type { GitRepository } from '../devops';

/** A repository as a content scan names it, whichever host it is on. */
export interface ScannedRepository {
  /** The Azure DevOps repository id (a GUID). */
  id: string;
  name: string;
  /** Project name. */
  project: string;
  /** `https://dev.azure.com/{org}/{project}/_git/{repo}`, for links to a file line. */
  webUrl?: string;
  /**
   * A repository on another host (GitHub, GitLab): the risk asset it is (its id names the host, so
   * risks keep their identity per asset) and how to link to a file line there. Absent for Azure DevOps.
   */
  host?: { asset: { id: string; name: string }; fileLineUrl?: (path: string, line: number, commitId: string) => string };
}

/** Who made a commit, as the host says. */
export interface CommitAuthor {
  name?: string;
  email?: string;
  date?: string;
}

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
