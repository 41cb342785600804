import type { GitRepository, TeamProjectReference } from '../../devops';
import type { RepositoryAsset, RepositoryState } from '../assets/asset';
import type { ObservedRepository } from '../assets/repositoryAssetStore';

export type ProjectVisibility = RepositoryAsset['projectVisibility'];

/** A project as the inventory caches it for one run. */
export interface ProjectInfo {
  id: string;
  name: string;
  visibility: ProjectVisibility;
}

/**
 * Why a repository is not scanned. Disabled repositories refuse git and content calls; an empty
 * one (no default branch, or size 0) has nothing to scan until its first push.
 */
export function repositoryState(repository: GitRepository): { state: RepositoryState; skipReason?: string } {
  if (repository.isDisabled === true) return { state: 'disabled', skipReason: 'disabled in Azure DevOps' };
  if (!repository.defaultBranch) return { state: 'empty', skipReason: 'empty: no default branch (nothing pushed yet)' };
  if (repository.size === 0) return { state: 'empty', skipReason: 'empty: size 0' };
  return { state: 'active' };
}

/**
 * Visibility as Azure DevOps writes it: a string in raw REST answers (`private`, `public`), the
 * ProjectVisibility enum number after node-api's typed deserialisation (0 private, 1 organization, 2 public).
 */
export function projectVisibility(value: unknown): ProjectVisibility {
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'private' || lower === 'public' || lower === 'organization') return lower;
    if (lower === 'systemprivate') return 'private';
    return 'unknown';
  }
  switch (value) {
    case 0:
    case 3: // SystemPrivate
      return 'private';
    case 1:
      return 'organization';
    case 2:
      return 'public';
    default:
      return 'unknown';
  }
}

export function projectInfo(project: TeamProjectReference): ProjectInfo | undefined {
  if (!project.id || !project.name) return undefined;
  return { id: project.id, name: project.name, visibility: projectVisibility(project.visibility) };
}

/**
 * What the inventory records of one repository. The project comes from the run's project cache
 * when it is there (the project list is the authority on visibility), else from the repository's
 * own project reference. Undefined for an entry without the ids an asset needs.
 */
export function observeRepository(
  organization: string,
  repository: GitRepository,
  projects: ReadonlyMap<string, ProjectInfo>,
): ObservedRepository | undefined {
  const reference = repository.project;
  if (!repository.id || !repository.name || !reference?.id) return undefined;
  const cached = projects.get(reference.id);
  const visibility = cached?.visibility ?? projectVisibility(reference.visibility);
  const { state, skipReason } = repositoryState(repository);
  return {
    organization,
    repositoryId: repository.id,
    name: repository.name,
    project: cached?.name ?? reference.name ?? reference.id,
    projectId: reference.id,
    projectVisibility: visibility,
    ...(repository.defaultBranch ? { defaultBranch: repository.defaultBranch } : {}),
    ...(repository.webUrl || repository.remoteUrl ? { webUrl: repository.webUrl ?? repository.remoteUrl } : {}),
    size: repository.size ?? 0,
    state,
    ...(skipReason ? { skipReason } : {}),
  };
}
