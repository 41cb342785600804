import type { Readable } from 'node:stream';
import {
  type FileDiff,
  type GitChange,
  type GitCommit,
  type GitCommitRef,
  type GitPullRequest,
  type GitPullRequestChange,
  type GitPullRequestIteration,
  type GitPush,
  type GitRepository,
  GitVersionType,
} from 'azure-devops-node-api/interfaces/GitInterfaces';
import type { AzureDevOpsTransport } from './azureDevOpsTransport';
import { checkedStream } from './httpAnswers';

export type {
  FileDiff,
  GitChange,
  GitCommit,
  GitCommitRef,
  GitPullRequest,
  GitPullRequestChange,
  GitPullRequestIteration,
  GitPush,
  GitRepository,
};

/** Repositories, their pushes, commits and content, and pull requests (`_apis/git`). */
export interface GitClient {
  listRepositories(project: string): Promise<GitRepository[]>;
  /** Every repository of the organization in one call (`GET _apis/git/repositories`, which Azure DevOps does not page). */
  listOrganizationRepositories(): Promise<GitRepository[]>;
  /** One repository by id: name, project, default branch, web URL. */
  getRepository(project: string, repositoryId: string): Promise<GitRepository>;
  /** One repository by id, or undefined when Azure DevOps has none (deleted, or its project is gone): for events that may name a deleted one. */
  findRepository(project: string, repositoryId: string): Promise<GitRepository | undefined>;
  /** The commit a branch (`refs/heads/main`) points at; undefined when it does not exist (an empty repository). */
  getBranchHead(project: string, repositoryId: string, branch: string): Promise<string | undefined>;

  getPush(project: string, repositoryId: string, pushId: number): Promise<GitPush>;
  /** Every commit a push brought (paged under the hood), for pushes whose answer left them out. */
  listPushCommits(project: string, repositoryId: string, pushId: number): Promise<GitCommitRef[]>;
  /** One commit with its author, committer and parents. */
  getCommit(project: string, repositoryId: string, commitId: string): Promise<GitCommit>;
  /** Every change of a commit (paged with top/skip under the hood). */
  getCommitChanges(project: string, repositoryId: string, commitId: string): Promise<GitChange[]>;

  /** One file's content at a commit, streamed. */
  streamItem(project: string, repositoryId: string, path: string, commitId?: string): Promise<Readable>;
  /** The whole tree at a commit as a zip (`items?path=/&$format=zip`), as it arrives on the socket; never buffered whole. */
  streamRepositoryZip(project: string, repositoryId: string, commitId: string): Promise<Readable>;

  getPullRequest(project: string, pullRequestId: number): Promise<GitPullRequest>;
  listPullRequestIterations(project: string, repositoryId: string, pullRequestId: number): Promise<GitPullRequestIteration[]>;
  /** Every file an iteration changes against the merge base (paged with $top/$skip under the hood). */
  getPullRequestIterationChanges(
    project: string,
    repositoryId: string,
    pullRequestId: number,
    iterationId: number,
  ): Promise<GitPullRequestChange[]>;
  /**
   * The line blocks that turn each file at `base` into the file at `target` (`FileDiffs`, a preview
   * API the web UI's diff view uses), asked for in batches of `fileDiffsPerRequest` files.
   */
  getFileDiffs(
    project: string,
    repositoryId: string,
    base: string,
    target: string,
    files: Array<{ path: string; originalPath?: string }>,
  ): Promise<FileDiff[]>;
}

/** Files per `FileDiffs` request: the web UI asks for a few at a time; a bounded batch keeps each answer small. */
export const fileDiffsPerRequest = 20;

export function createGitClient(transport: AzureDevOpsTransport): GitClient {
  const git = () => transport.gitApi();
  return {
    listRepositories: (project) =>
      transport.callTyped({ resource: `repositories of project '${project}'` }, async () => (await git()).getRepositories(project)),

    listOrganizationRepositories: () =>
      transport.call(
        { resource: 'repositories' },
        async () => (await transport.getJson<{ value?: GitRepository[] }>('_apis/git/repositories')).value ?? [],
      ),

    getRepository: (project, repositoryId) =>
      transport.callTyped({ resource: `repository ${repositoryId} in project '${project}'` }, async () =>
        (await git()).getRepository(repositoryId, project),
      ),

    async findRepository(project, repositoryId) {
      const repository = await transport.call({ resource: `repository ${repositoryId} in project '${project}'` }, async () =>
        (await git()).getRepository(repositoryId, project),
      );
      if (repository) return repository;
      await transport.verifyConnection(); // node-api answers null for a 404 and for a sign-in page: this tells them apart
      return undefined;
    },

    async getBranchHead(project, repositoryId, branch) {
      const name = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
      // The filter is a prefix (`heads/main` also lists `heads/main-old`): keep the exact name.
      const refs = await transport.callTyped(
        { resource: `branch '${name}' of repository ${repositoryId} in project '${project}'` },
        async () => (await git()).getRefs(repositoryId, project, name.slice('refs/'.length)),
      );
      return refs.find((ref) => ref.name === name)?.objectId;
    },

    getPush: (project, repositoryId, pushId) =>
      transport.callTyped({ resource: `push ${pushId} of repository ${repositoryId} in project '${project}'` }, async () =>
        (await git()).getPush(repositoryId, pushId, project, undefined, true),
      ),

    async listPushCommits(project, repositoryId, pushId) {
      const top = 100;
      const all: GitCommitRef[] = [];
      for (let skip = 0; ; skip += top) {
        const page = await transport.callTyped(
          { resource: `commits of push ${pushId} of repository ${repositoryId} in project '${project}'` },
          async () => (await git()).getPushCommits(repositoryId, pushId, project, top, skip),
        );
        all.push(...page);
        if (page.length < top) return all;
      }
    },

    getCommit: (project, repositoryId, commitId) =>
      transport.callTyped({ resource: `commit ${commitId} of repository ${repositoryId} in project '${project}'` }, async () =>
        (await git()).getCommit(commitId, repositoryId, project),
      ),

    async getCommitChanges(project, repositoryId, commitId) {
      const top = 1000;
      const all: GitChange[] = [];
      for (let skip = 0; ; skip += top) {
        const page = await transport.callTyped(
          { resource: `changes of commit ${commitId} in repository ${repositoryId} of project '${project}'` },
          async () => (await git()).getChanges(commitId, repositoryId, project, top, skip),
        );
        const changes = page.changes ?? [];
        all.push(...changes);
        if (changes.length < top) return all;
      }
    },

    streamItem(project, repositoryId, path, commitId) {
      const version = commitId ? { version: commitId, versionType: GitVersionType.Commit } : undefined;
      return transport.call({ resource: `item '${path}' of repository ${repositoryId} in project '${project}'` }, async () =>
        checkedStream(
          await (await git()).getItemContent(repositoryId, path, project, undefined, undefined, undefined, undefined, true, version),
        ),
      );
    },

    streamRepositoryZip: (project, repositoryId, commitId) =>
      // Raw, because node-api's getItemZip cannot send `$format=zip`; the Accept header says the same for servers that ignore it.
      transport.call({ resource: `the content of repository ${repositoryId} at ${commitId} in project '${project}'` }, () =>
        transport.stream(
          `${encodeURIComponent(project)}/_apis/git/repositories/${encodeURIComponent(repositoryId)}/items`,
          {
            path: '/',
            recursionLevel: 'Full',
            $format: 'zip',
            download: 'true',
            'versionDescriptor.version': commitId,
            'versionDescriptor.versionType': 'commit',
          },
          'application/zip',
        ),
      ),

    getPullRequest: (project, pullRequestId) =>
      transport.callTyped({ resource: `pull request ${pullRequestId} in project '${project}'` }, async () =>
        (await git()).getPullRequestById(pullRequestId, project),
      ),

    listPullRequestIterations: (project, repositoryId, pullRequestId) =>
      transport.callTyped({ resource: `iterations of pull request ${pullRequestId} in project '${project}'` }, async () =>
        (await git()).getPullRequestIterations(repositoryId, pullRequestId, project),
      ),

    async getPullRequestIterationChanges(project, repositoryId, pullRequestId, iterationId) {
      const all: GitPullRequestChange[] = [];
      for (let skip = 0, top = 1000; top > 0; ) {
        const page = await transport.callTyped(
          { resource: `changes of iteration ${iterationId} of pull request ${pullRequestId} in project '${project}'` },
          async () => (await git()).getPullRequestIterationChanges(repositoryId, pullRequestId, iterationId, project, top, skip),
        );
        const entries = page.changeEntries ?? [];
        all.push(...entries);
        // nextTop is 0 when nothing remains; a server that leaves it out has answered everything when the page was short.
        if (!page.nextTop || entries.length === 0) return all;
        skip = page.nextSkip ?? skip + entries.length;
        top = page.nextTop;
      }
      return all;
    },

    async getFileDiffs(project, repositoryId, base, target, files) {
      const all: FileDiff[] = [];
      for (let start = 0; start < files.length; start += fileDiffsPerRequest) {
        const batch = files.slice(start, start + fileDiffsPerRequest);
        const page = await transport.callTyped(
          {
            resource: `line diffs of ${batch.length} file(s) between ${base.slice(0, 7)} and ${target.slice(0, 7)} in repository ${repositoryId} of project '${project}'`,
          },
          async () =>
            (await git()).getFileDiffs(
              {
                baseVersionCommit: base,
                targetVersionCommit: target,
                fileDiffParams: batch.map((file) => ({ path: file.path, originalPath: file.originalPath ?? file.path })),
              },
              project,
              repositoryId,
            ),
        );
        all.push(...page);
      }
      return all;
    },
  };
}
