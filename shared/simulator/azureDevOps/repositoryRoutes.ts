import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type LoopbackExtension, type LoopbackRequest, projectIdFor, sendJson } from './azureDevOpsServer';

/**
 * Projects and repositories for the loopback Azure DevOps, shaped as Azure DevOps answers them
 * (GitRepository with `size`, `isDisabled`, no `defaultBranch` when empty; TeamProjectReference
 * with `visibility`): `GET _apis/projects` (paged with `$top` and `x-ms-continuationtoken`), the
 * organization-wide and per-project `GET _apis/git/repositories`, and one repository by id or
 * name. The catalog is live: a test edits it between inventories (delete, disable, rename,
 * push to an empty repository) and the next answer says so.
 */

export interface CatalogRepository {
  /** Default: a UUID derived from project and name when the repository is first listed. */
  id?: string;
  name: string;
  /** Compressed size in bytes (default 4096); 0 for an empty repository. */
  size?: number;
  isDisabled?: boolean;
  /** Default `refs/heads/main`; null for a repository nothing was pushed to. */
  defaultBranch?: string | null;
  isFork?: boolean;
}

export interface CatalogProject {
  /** Default: `projectIdFor(name)`. */
  id?: string;
  name: string;
  visibility?: 'private' | 'public';
  repositories?: CatalogRepository[];
}

export interface RepositoryCatalog extends LoopbackExtension {
  readonly projects: CatalogProject[];
  /** The id the server gives a repository (its own, or the derived one). */
  repositoryId(project: string, name: string): string;
  projectId(project: string): string;
  /** The catalog entry, to edit in place. */
  repository(project: string, name: string): CatalogRepository;
  removeRepository(project: string, name: string): void;
}

export interface RepositoryRoutesOptions {
  /** Largest page of projects handed out (default 100, as Azure DevOps). */
  maxProjectsPage?: number;
}

/** A stable, well-formed UUID for a name (the server's own `projectIdFor` keeps only its first bytes). */
export function uuidFor(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function repositoryRoutes(projects: CatalogProject[], options: RepositoryRoutesOptions = {}): RepositoryCatalog {
  const projectIdOf = (project: CatalogProject) => project.id ?? projectIdFor(project.name);
  // Fixed at first sight, so a repository keeps its id when a test renames it.
  const repositoryIdOf = (project: CatalogProject, repository: CatalogRepository) =>
    (repository.id ??= uuidFor(`${project.name}/${repository.name}`));
  const findProject = (nameOrId: string) =>
    projects.find((p) => p.name.toLowerCase() === nameOrId.toLowerCase() || projectIdOf(p) === nameOrId);

  function projectReference(project: CatalogProject, orgUrl: string) {
    const id = projectIdOf(project);
    return {
      id,
      name: project.name,
      url: `${orgUrl}/_apis/projects/${id}`,
      state: 'wellFormed',
      revision: 11,
      visibility: project.visibility ?? 'private',
      lastUpdateTime: '2026-01-05T09:30:00.000Z',
    };
  }

  function repositoryBody(project: CatalogProject, repository: CatalogRepository, orgUrl: string) {
    const id = repositoryIdOf(project, repository);
    const web = `${orgUrl}/${encodeURIComponent(project.name)}/_git/${encodeURIComponent(repository.name)}`;
    const defaultBranch = repository.defaultBranch === undefined ? 'refs/heads/main' : repository.defaultBranch;
    return {
      id,
      name: repository.name,
      url: `${orgUrl}/${projectIdOf(project)}/_apis/git/repositories/${id}`,
      project: projectReference(project, orgUrl),
      ...(defaultBranch ? { defaultBranch } : {}),
      size: repository.size ?? (defaultBranch ? 4096 : 0),
      remoteUrl: web,
      sshUrl: `ssh://git@ssh.loopback/v3/${encodeURIComponent(project.name)}/${encodeURIComponent(repository.name)}`,
      webUrl: web,
      isDisabled: repository.isDisabled ?? false,
      isInMaintenance: false,
      ...(repository.isFork ? { isFork: true } : {}),
    };
  }

  function listProjects(request: LoopbackRequest, res: ServerResponse): void {
    const max = options.maxProjectsPage ?? 100;
    const top = Math.min(Number(request.url.searchParams.get('$top') ?? max) || max, max);
    const start = Number(request.url.searchParams.get('continuationToken') ?? '0') || 0;
    const page = projects.slice(start, start + top).map((project) => projectReference(project, request.orgUrl));
    const headers: Record<string, string> = {};
    if (start + top < projects.length) headers['x-ms-continuationtoken'] = String(start + top);
    sendJson(res, 200, { count: page.length, value: page }, headers);
  }

  function listRepositories(res: ServerResponse, orgUrl: string, of: CatalogProject[]): void {
    const value = of.flatMap((project) => (project.repositories ?? []).map((repository) => repositoryBody(project, repository, orgUrl)));
    sendJson(res, 200, { count: value.length, value });
  }

  function getRepository(res: ServerResponse, orgUrl: string, project: CatalogProject | undefined, idOrName: string): void {
    const repository = project?.repositories?.find(
      (r) => repositoryIdOf(project, r) === idOrName || r.name.toLowerCase() === idOrName.toLowerCase(),
    );
    if (!project || !repository) {
      return sendJson(res, 404, {
        message: `TF401019: The Git repository with name or identifier ${idOrName} does not exist or you do not have permissions for the operation you are attempting.`,
      });
    }
    sendJson(res, 200, repositoryBody(project, repository, orgUrl));
  }

  function entry(project: string, name: string): { project: CatalogProject; index: number } {
    const found = findProject(project);
    const index = found?.repositories?.findIndex((r) => r.name === name) ?? -1;
    if (!found || index < 0) throw new Error(`no repository ${project}/${name} in the loopback catalog`);
    return { project: found, index };
  }

  return {
    projects,
    repositoryId: (project, name) => {
      const found = entry(project, name);
      return repositoryIdOf(found.project, found.project.repositories![found.index]);
    },
    projectId: (project) => {
      const found = findProject(project);
      if (!found) throw new Error(`no project ${project} in the loopback catalog`);
      return projectIdOf(found);
    },
    repository: (project, name) => {
      const found = entry(project, name);
      return found.project.repositories![found.index];
    },
    removeRepository: (project, name) => {
      const found = entry(project, name);
      found.project.repositories!.splice(found.index, 1);
    },
    handle(request, res) {
      if (request.method !== 'GET') return false;
      let match: RegExpMatchArray | null;
      if (/^\/_apis\/projects\/?$/i.test(request.route)) {
        listProjects(request, res);
        return true;
      }
      if (/^\/_apis\/git\/repositories\/?$/i.test(request.route)) {
        listRepositories(res, request.orgUrl, projects);
        return true;
      }
      if (!request.project || !request.projectRoute) return false;
      if (/^\/_apis\/git\/repositories\/?$/i.test(request.projectRoute)) {
        const project = findProject(request.project);
        if (!project) {
          sendJson(res, 404, { message: `TF200016: The following project does not exist: ${request.project}.` });
          return true;
        }
        listRepositories(res, request.orgUrl, [project]);
        return true;
      }
      if ((match = request.projectRoute.match(/^\/_apis\/git\/repositories\/([^/]+)\/?$/i))) {
        getRepository(res, request.orgUrl, findProject(request.project), decodeURIComponent(match[1]));
        return true;
      }
      return false;
    },
  };
}
