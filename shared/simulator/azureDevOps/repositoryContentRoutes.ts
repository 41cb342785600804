import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { diffHunks } from '../unifiedDiff';
import { type LoopbackExtension, type LoopbackRequest, projectIdFor, rewrite, routeLocation, sendJson } from './azureDevOpsServer';
import { recordedShapesDir } from './recordedShapes';

/**
 * Repository content for the loopback Azure DevOps: repositories with a linear history of commits
 * (each says what it changed), their pushes and pull requests, answered in the shapes of the
 * recorded service-hook resources and REST examples. Serves the whole tree at a commit as a zip
 * built by yazl while it is sent (data descriptors, as Azure DevOps builds zips on the fly), or a
 * generated archive of any size; single items at a commit; commit changes; push commits;
 * pull requests, their iterations and iteration changes (the diff of two commits' trees), and the
 * line blocks between two commits' versions of some files (`POST …/FileDiffs`, the preview API the
 * web UI's diff view uses: `lineDiffBlocks` of change type Add 1, Delete 2, Edit 3, None 0).
 */
export interface FixtureCommit {
  /** 40 hex characters. */
  commitId: string;
  author?: { name: string; email: string; date: string };
  comment?: string;
  /** What the commit changed: path (`/src/app.ts`) → content, or null when it deletes the file. */
  changes: Record<string, string | Buffer | null>;
}

export interface FixturePush {
  pushId: number;
  /** The commits the push brought, oldest first. */
  commits: string[];
  refName?: string;
  /** Answer the push without its commits, so the handler lists them separately. */
  omitCommits?: boolean;
  /** Answer with commits that carry no author, so the handler fetches each commit. */
  omitAuthors?: boolean;
}

export interface FixturePullRequest {
  pullRequestId: number;
  sourceRefName: string;
  /** The tip of the source branch. */
  sourceCommit: string;
  /** The merge base the changes are computed against. */
  targetCommit: string;
  status?: 'active' | 'completed' | 'abandoned';
  iterations?: number;
}

export interface FixtureRepository {
  id: string;
  name: string;
  /** Project name. */
  project: string;
  projectId?: string;
  /** `refs/heads/main` by default; null for an empty repository. */
  defaultBranch?: string | null;
  isDisabled?: boolean;
  /** Linear history, oldest first; the default branch points at the last commit. */
  commits: FixtureCommit[];
  pushes?: FixturePush[];
  pullRequests?: FixturePullRequest[];
  /** Served for zip downloads instead of an archive of the tree (a generated archive of any size). */
  archive?: () => Readable;
}

const fixturesDir = recordedShapesDir('service-hooks');
const hookResource = (name: string) =>
  (JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8')) as { resource: Record<string, unknown> }).resource;

/** Git's blob id of some content, so object ids behave as they do in Azure DevOps. */
export function blobId(content: string | Buffer): string {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export class RepositoryContentRoutes implements LoopbackExtension {
  readonly locations = {
    git: [
      routeLocation(
        '2d874a60-a811-4f62-9c9f-963a6ea0a55b',
        'git',
        'refs',
        '{project}/_apis/git/repositories/{repositoryId}/{resource}/{*filter}',
      ),
      routeLocation(
        'c2570c3b-5b3f-41b8-98bf-5407bfde8d58',
        'git',
        'commits',
        '{project}/_apis/git/repositories/{repositoryId}/{resource}/{commitId}',
      ),
      routeLocation('01a46dea-7d46-4d40-bc84-319e7c260d99', 'git', 'pullRequests', '{project}/_apis/git/{resource}/{pullRequestId}'),
      routeLocation(
        'd43911ee-6958-46b0-a42b-8445b8a0d004',
        'git',
        'iterations',
        '{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/{resource}/{iterationId}',
      ),
      routeLocation(
        '4216bdcf-b6b1-4d59-8b82-c34cc183fc8b',
        'git',
        'changes',
        '{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/iterations/{iterationId}/{resource}',
      ),
      routeLocation(
        'c4c5a7e6-e9f3-4730-a92b-84baacff694b',
        'git',
        'fileDiffs',
        '{project}/_apis/git/repositories/{repositoryId}/FileDiffs',
      ),
    ],
  };

  constructor(readonly repositories: FixtureRepository[]) {}

  repository(idOrName: string): FixtureRepository {
    const found = this.repositories.find((r) => r.id === idOrName || r.name === idOrName);
    if (!found) throw new Error(`no fixture repository ${idOrName}`);
    return found;
  }

  async handle(request: LoopbackRequest, res: http.ServerResponse): Promise<boolean> {
    if (request.method === 'POST' && request.project && request.projectRoute) {
      const diffs = request.projectRoute.match(/^\/_apis\/git\/repositories\/([^/]+)\/filediffs\/?$/i);
      const repo = diffs ? this.find(request.project, decodeURIComponent(diffs[1])) : undefined;
      return repo ? this.fileDiffs(repo, request.body, res) : false;
    }
    if (request.method !== 'GET' || !request.project || !request.projectRoute) return false;
    const route = request.projectRoute;
    let match: RegExpMatchArray | null;
    if ((match = route.match(/^\/_apis\/git\/pullRequests\/(\d+)\/?$/i))) return this.pullRequest(request, res, Number(match[1]));
    if (!(match = route.match(/^\/_apis\/git\/repositories\/([^/]+)(\/.*)?$/i))) return false;
    const repo = this.find(request.project, decodeURIComponent(match[1]));
    if (!repo) return false;
    const rest = (match[2] ?? '').replace(/\/$/, '');
    const query = request.url.searchParams;
    if (rest === '') return json(res, this.repositoryJson(repo, request.orgUrl));
    if (/^\/refs$/i.test(rest)) return this.refs(repo, query, res);
    if (/^\/items$/i.test(rest)) return this.items(repo, query, res);
    if ((match = rest.match(/^\/commits\/([0-9a-f]+)\/changes$/i))) return this.changes(repo, match[1], query, request.orgUrl, res);
    if ((match = rest.match(/^\/commits\/([0-9a-f]+)$/i))) return this.commit(repo, match[1], request.orgUrl, res);
    if (/^\/commits$/i.test(rest) && query.get('pushId'))
      return this.pushCommits(repo, Number(query.get('pushId')), query, request.orgUrl, res);
    if ((match = rest.match(/^\/pushes\/(\d+)$/i))) return this.push(repo, Number(match[1]), request.orgUrl, res);
    if ((match = rest.match(/^\/pullRequests\/(\d+)\/iterations$/i))) return this.iterations(repo, Number(match[1]), res);
    if ((match = rest.match(/^\/pullRequests\/(\d+)\/iterations\/(\d+)\/changes$/i)))
      return this.iterationChanges(repo, Number(match[1]), query, res);
    return false;
  }

  // ── answers ─────────────────────────────────────────────────────────────────────────────────
  private find(project: string, idOrName: string): FixtureRepository | undefined {
    const wanted = project.toLowerCase();
    return this.repositories.find(
      (r) => (r.id === idOrName || r.name === idOrName) && [r.project, projectIdOf(r)].some((p) => p.toLowerCase() === wanted),
    );
  }

  private repositoryJson(repo: FixtureRepository, orgUrl: string) {
    const projectId = projectIdOf(repo);
    const webUrl = `${orgUrl}/${encodeURIComponent(repo.project)}/_git/${encodeURIComponent(repo.name)}`;
    return {
      id: repo.id,
      name: repo.name,
      url: `${orgUrl}/${projectId}/_apis/git/repositories/${repo.id}`,
      project: {
        id: projectId,
        name: repo.project,
        url: `${orgUrl}/_apis/projects/${projectId}`,
        state: 'wellFormed',
        visibility: 'private',
      },
      ...(branchOf(repo) ? { defaultBranch: branchOf(repo) } : {}),
      size: 1024,
      remoteUrl: webUrl.replace('://', `://${orgUrl.split('/').pop()}@`),
      webUrl,
      ...(repo.isDisabled !== undefined ? { isDisabled: repo.isDisabled } : {}),
    };
  }

  private refs(repo: FixtureRepository, query: URLSearchParams, res: http.ServerResponse): boolean {
    const branch = branchOf(repo);
    const head = repo.commits.at(-1);
    const filter = `refs/${query.get('filter') ?? ''}`;
    const value = branch && head && branch.startsWith(filter) ? [{ name: branch, objectId: head.commitId }] : [];
    return json(res, { count: value.length, value });
  }

  private items(repo: FixtureRepository, query: URLSearchParams, res: http.ServerResponse): boolean {
    const version = query.get('versionDescriptor.version') ?? repo.commits.at(-1)?.commitId;
    if (query.get('$format') === 'zip') {
      void this.zip(repo, version, res);
      return true;
    }
    const itemPath = query.get('path') ?? '';
    const content = version ? treeAt(repo, version)?.get(itemPath) : undefined;
    if (content === undefined)
      return notFound(
        res,
        `TF401174: The item '${itemPath}' could not be found in the repository '${repo.name}' at the version specified.`,
      );
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
    res.end(bytes);
    return true;
  }

  private async zip(repo: FixtureRepository, version: string | undefined, res: http.ServerResponse): Promise<void> {
    let archive: Readable;
    if (repo.archive) archive = repo.archive();
    else {
      const tree = version ? treeAt(repo, version) : undefined;
      if (!tree)
        return void notFound(res, `TF401175: The version descriptor could not be resolved to a version in the repository '${repo.name}'`);
      archive = await zipOf(tree);
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${repo.name}.zip"` });
    await pipeline(archive, res).catch(() => undefined); // the client may stop reading
  }

  private changes(repo: FixtureRepository, commitId: string, query: URLSearchParams, orgUrl: string, res: http.ServerResponse): boolean {
    const index = repo.commits.findIndex((c) => c.commitId === commitId);
    if (index < 0) return notFound(res, `TF401175: commit ${commitId} not found`);
    const before = index === 0 ? new Map<string, string | Buffer>() : treeAt(repo, repo.commits[index - 1].commitId)!;
    const all = [
      ...foldersAdded(before, repo.commits[index].changes),
      ...Object.entries(repo.commits[index].changes).map(([itemPath, content]) => {
        const changeType = content === null ? 'delete' : before.has(itemPath) ? 'edit' : 'add';
        const objectId = content === null ? blobId(before.get(itemPath) ?? '') : blobId(content);
        return {
          item: {
            objectId,
            gitObjectType: 'blob',
            commitId,
            path: itemPath,
            url: `${orgUrl}/_apis/git/repositories/${repo.id}/items${itemPath}?versionType=Commit&version=${commitId}`,
          },
          changeType,
        };
      }),
    ];
    const skip = Number(query.get('skip') ?? '0') || 0;
    const top = Number(query.get('top') ?? '100') || 100;
    const counts: Record<string, number> = {};
    for (const change of all) counts[capitalise(change.changeType)] = (counts[capitalise(change.changeType)] ?? 0) + 1;
    return json(res, { changeCounts: counts, changes: all.slice(skip, skip + top) });
  }

  private commitJson(repo: FixtureRepository, commit: FixtureCommit, orgUrl: string, withAuthor = true) {
    const index = repo.commits.indexOf(commit);
    return {
      commitId: commit.commitId,
      ...(withAuthor && commit.author ? { author: commit.author, committer: commit.author } : {}),
      comment: commit.comment ?? 'change',
      parents: index > 0 ? [repo.commits[index - 1].commitId] : [],
      url: `${orgUrl}/_apis/git/repositories/${repo.id}/commits/${commit.commitId}`,
      remoteUrl: `${orgUrl}/${encodeURIComponent(repo.project)}/_git/${encodeURIComponent(repo.name)}/commit/${commit.commitId}`,
    };
  }

  private commit(repo: FixtureRepository, commitId: string, orgUrl: string, res: http.ServerResponse): boolean {
    const commit = repo.commits.find((c) => c.commitId === commitId);
    if (!commit) return notFound(res, `TF401175: commit ${commitId} not found`);
    return json(res, this.commitJson(repo, commit, orgUrl));
  }

  private pushJson(repo: FixtureRepository, push: FixturePush, orgUrl: string) {
    // The recorded git.push resource, with this repository's ids: commits newest first, as Azure DevOps lists them.
    const template = rewrite(hookResource('git.push.json'), orgUrl);
    const commits = push.commits
      .map((id) => repo.commits.find((c) => c.commitId === id))
      .filter((c): c is FixtureCommit => c !== undefined)
      .reverse();
    const newest = commits[0]?.commitId ?? '0'.repeat(40);
    const oldestIndex = commits.length ? repo.commits.indexOf(commits.at(-1)!) : 0;
    return {
      ...template,
      pushId: push.pushId,
      repository: this.repositoryJson(repo, orgUrl),
      refUpdates: [
        {
          name: push.refName ?? branchOf(repo) ?? 'refs/heads/main',
          oldObjectId: oldestIndex > 0 ? repo.commits[oldestIndex - 1].commitId : '0'.repeat(40),
          newObjectId: newest,
        },
      ],
      url: `${orgUrl}/_apis/git/repositories/${repo.id}/pushes/${push.pushId}`,
      ...(push.omitCommits ? { commits: undefined } : { commits: commits.map((c) => this.commitJson(repo, c, orgUrl, !push.omitAuthors)) }),
    };
  }

  private push(repo: FixtureRepository, pushId: number, orgUrl: string, res: http.ServerResponse): boolean {
    const push = repo.pushes?.find((p) => p.pushId === pushId);
    if (!push) return notFound(res, `TF401180: push ${pushId} not found`);
    return json(res, this.pushJson(repo, push, orgUrl));
  }

  private pushCommits(repo: FixtureRepository, pushId: number, query: URLSearchParams, orgUrl: string, res: http.ServerResponse): boolean {
    const push = repo.pushes?.find((p) => p.pushId === pushId);
    if (!push) return notFound(res, `TF401180: push ${pushId} not found`);
    const all = [...push.commits].reverse().map((id) => this.commitJson(repo, repo.commits.find((c) => c.commitId === id)!, orgUrl));
    const skip = Number(query.get('skip') ?? query.get('$skip') ?? '0') || 0;
    const top = Number(query.get('top') ?? query.get('$top') ?? '100') || 100;
    const value = all.slice(skip, skip + top);
    return json(res, { count: value.length, value });
  }

  private pullRequest(request: LoopbackRequest, res: http.ServerResponse, pullRequestId: number): boolean {
    const repo = this.repositories.find(
      (r) =>
        r.pullRequests?.some((p) => p.pullRequestId === pullRequestId) &&
        [r.project, projectIdOf(r)].some((p) => p.toLowerCase() === request.project?.toLowerCase()),
    );
    const pr = repo?.pullRequests?.find((p) => p.pullRequestId === pullRequestId);
    if (!repo || !pr) return notFound(res, `TF401180: The requested pull request was not found.`);
    // The recorded git.pullrequest.created resource, with this repository's ids and commits.
    const template = rewrite(hookResource('git.pullrequest.created.json'), request.orgUrl);
    const commitRef = (commitId: string) => ({ commitId, url: `${request.orgUrl}/_apis/git/repositories/${repo.id}/commits/${commitId}` });
    return json(res, {
      ...template,
      repository: this.repositoryJson(repo, request.orgUrl),
      pullRequestId,
      status: pr.status ?? 'active',
      sourceRefName: pr.sourceRefName,
      targetRefName: branchOf(repo) ?? 'refs/heads/main',
      lastMergeSourceCommit: commitRef(pr.sourceCommit),
      lastMergeTargetCommit: commitRef(pr.targetCommit),
      url: `${request.orgUrl}/_apis/git/repositories/${repo.id}/pullRequests/${pullRequestId}`,
    });
  }

  private iterations(repo: FixtureRepository, pullRequestId: number, res: http.ServerResponse): boolean {
    const pr = repo.pullRequests?.find((p) => p.pullRequestId === pullRequestId);
    if (!pr) return notFound(res, 'TF401180: The requested pull request was not found.');
    const value = Array.from({ length: pr.iterations ?? 1 }, (_, i) => ({
      id: i + 1,
      description: `iteration ${i + 1}`,
      sourceRefCommit: { commitId: pr.sourceCommit },
      targetRefCommit: { commitId: pr.targetCommit },
      createdDate: '2026-11-20T10:00:00Z',
    }));
    return json(res, { count: value.length, value });
  }

  private fileDiffs(repo: FixtureRepository, body: string, res: http.ServerResponse): boolean {
    const criteria = JSON.parse(body || '{}') as {
      baseVersionCommit?: string;
      targetVersionCommit?: string;
      fileDiffParams?: Array<{ path?: string; originalPath?: string }>;
    };
    const base = criteria.baseVersionCommit ? treeAt(repo, criteria.baseVersionCommit) : undefined;
    const target = criteria.targetVersionCommit ? treeAt(repo, criteria.targetVersionCommit) : undefined;
    if (!base || !target) return notFound(res, 'TF401175: The version descriptor could not be resolved to a version in the repository');
    const value = (criteria.fileDiffParams ?? []).map((params) => {
      const path = params.path ?? '';
      const before = base.get(params.originalPath ?? path);
      const after = target.get(path);
      const blocks = diffHunks(before, after, 0).map((h) => ({
        changeType: h.oldLines === 0 ? 1 : h.newLines === 0 ? 2 : 3,
        modifiedLineNumberStart: h.newLines === 0 ? h.newStart + 1 : h.newStart,
        modifiedLinesCount: h.newLines,
        originalLineNumberStart: h.oldLines === 0 ? h.oldStart + 1 : h.oldStart,
        originalLinesCount: h.oldLines,
      }));
      return { path, originalPath: params.originalPath ?? path, lineDiffBlocks: blocks };
    });
    return json(res, { count: value.length, value });
  }

  private iterationChanges(repo: FixtureRepository, pullRequestId: number, query: URLSearchParams, res: http.ServerResponse): boolean {
    const pr = repo.pullRequests?.find((p) => p.pullRequestId === pullRequestId);
    if (!pr) return notFound(res, 'TF401180: The requested pull request was not found.');
    const source = treeAt(repo, pr.sourceCommit) ?? new Map();
    const target = treeAt(repo, pr.targetCommit) ?? new Map();
    const paths = [...new Set([...source.keys(), ...target.keys()])].sort();
    const all = paths.flatMap((itemPath, index) => {
      const before = target.get(itemPath);
      const after = source.get(itemPath);
      if (before !== undefined && after !== undefined && blobId(before) === blobId(after)) return [];
      const changeType = after === undefined ? 'delete' : before === undefined ? 'add' : 'edit';
      return [
        {
          changeTrackingId: index + 1,
          changeId: index + 1,
          item: {
            objectId: after === undefined ? undefined : blobId(after),
            originalObjectId: before === undefined ? undefined : blobId(before),
            path: itemPath,
          },
          changeType,
        },
      ];
    });
    const skip = Number(query.get('$skip') ?? '0') || 0;
    const top = Number(query.get('$top') ?? '100') || 100;
    const page = all.slice(skip, skip + top);
    const more = skip + top < all.length;
    return json(res, { changeEntries: page, ...(more ? { nextSkip: skip + top, nextTop: top } : { nextSkip: 0, nextTop: 0 }) });
  }
}

function projectIdOf(repo: FixtureRepository): string {
  return repo.projectId ?? projectIdFor(repo.project);
}

function branchOf(repo: FixtureRepository): string | undefined {
  if (repo.defaultBranch === null || repo.commits.length === 0) return undefined;
  return repo.defaultBranch ?? 'refs/heads/main';
}

/** The files at a commit: every change of the history up to it, folded. */
function treeAt(repo: FixtureRepository, commitId: string): Map<string, string | Buffer> | undefined {
  const index = repo.commits.findIndex((c) => c.commitId === commitId);
  if (index < 0) return undefined;
  const tree = new Map<string, string | Buffer>();
  for (const commit of repo.commits.slice(0, index + 1)) {
    for (const [itemPath, content] of Object.entries(commit.changes)) {
      if (content === null) tree.delete(itemPath);
      else tree.set(itemPath, content);
    }
  }
  return tree;
}

/** Folder entries for folders a commit creates, as the changes API lists them. */
function foldersAdded(before: Map<string, unknown>, changes: Record<string, unknown>) {
  const existing = new Set([...before.keys()].flatMap(parentsOf));
  const added = new Set(
    Object.entries(changes)
      .filter(([, c]) => c !== null)
      .flatMap(([p]) => parentsOf(p))
      .filter((p) => !existing.has(p)),
  );
  return [...added].sort().map((folder) => ({ item: { gitObjectType: 'tree', path: folder, isFolder: true }, changeType: 'add' }));
}

function parentsOf(itemPath: string): string[] {
  const parts = itemPath.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/**
 * A zip of a tree as Azure DevOps sends it: folder entries, then files, most with data descriptors.
 * yazl is a development dependency, loaded only when an archive is asked for.
 */
async function zipOf(tree: Map<string, string | Buffer>): Promise<Readable> {
  const { ZipFile } = await import('yazl');
  const zip = new ZipFile();
  const folders = new Set([...tree.keys()].flatMap(parentsOf));
  for (const folder of [...folders].sort()) zip.addEmptyDirectory(folder.slice(1));
  let index = 0;
  for (const [itemPath, content] of [...tree.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
    // Most entries streamed (sizes after the data, in a data descriptor); some with sizes up front.
    if (index++ % 3 === 2) zip.addBuffer(bytes, itemPath.slice(1));
    else zip.addReadStreamLazy(itemPath.slice(1), (callback) => callback(null, Readable.from([bytes])));
  }
  zip.end();
  return zip.outputStream as Readable;
}

function json(res: http.ServerResponse, body: unknown): boolean {
  sendJson(res, 200, body);
  return true;
}

function notFound(res: http.ServerResponse, message: string): boolean {
  sendJson(res, 404, {
    $id: '1',
    innerException: null,
    message,
    typeName: 'Microsoft.TeamFoundation.Git.Server.GitItemNotFoundException',
    typeKey: 'GitItemNotFoundException',
    errorCode: 0,
    eventId: 3000,
  });
  return true;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
