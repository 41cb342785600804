import type { PullRequestHost, PullRequestKey } from '../../codeHosts';
import { canCommentOn, isAdded } from '../../codeHosts';
import type { RepositoryScanRecord } from '../../repositories';

/**
 * A tool's SARIF results for a pull request (docs/ci-results.md) placed on its diff: the CI that
 * posted them said which commit, not which lines the pull request adds, so the platform is asked
 * (the pull request, then its files' added lines, as a pull request scan does). A result on an added
 * line is introduced (it counts against the status, and gets a thread where the diff shows the
 * line); any other is listed in the summary only. Results for a head the pull request has moved past
 * are not posted: the newer head's own CI run brings its results.
 */
export type PlacedResults = { outcome: 'placed'; scan: RepositoryScanRecord } | { outcome: 'skipped'; why: string };

export async function toolResultsOnDiff(host: PullRequestHost, key: PullRequestKey, scan: RepositoryScanRecord): Promise<PlacedResults> {
  const context = scan.pullRequest;
  if (!context) return { outcome: 'skipped', why: 'the scan names no pull request' };
  const pulled = await host.pullRequest(key);
  if (!pulled.open) return { outcome: 'skipped', why: 'the pull request is no longer open' };
  if (pulled.headCommit.toLowerCase() !== scan.commitId.toLowerCase()) {
    return {
      outcome: 'skipped',
      why: `the pull request has moved on from ${scan.commitId.slice(0, 7)} to ${pulled.headCommit.slice(0, 7)}: the newer head's own results will be posted`,
    };
  }
  const files = await host.pullRequestFiles(pulled);
  const added = new Map(files.flatMap(({ file, added }) => (file.kind === 'file' ? [[normalised(file.path), added] as const] : [])));
  const results = scan.results.map((result) => {
    const lines = result.line > 0 ? added.get(normalised(result.path)) : undefined;
    const introduced = lines ? isAdded(lines, result.line) : false;
    return { ...result, introduced, onDiffLine: lines ? introduced && canCommentOn(lines, result.line) : false };
  });
  // Introduced first, as a pull request scan lists them: what the pull request is asked to fix comes before what was there.
  results.sort((a, b) => Number(b.introduced) - Number(a.introduced));
  return {
    outcome: 'placed',
    scan: {
      ...scan,
      results,
      introduced: results.filter((r) => r.introduced).length,
      pullRequest: {
        ...context,
        ...(pulled.baseCommit ? { baseCommit: pulled.baseCommit } : {}),
        ...(pulled.startCommit ? { startCommit: pulled.startCommit } : {}),
        ...(pulled.iterationId ? { iterationId: pulled.iterationId } : {}),
        ...(pulled.pipelineId ? { pipelineId: pulled.pipelineId } : {}),
        ...(pulled.webUrl ? { webUrl: pulled.webUrl } : {}),
      },
    },
  };
}

/** Azure DevOps names files `/src/db.js`; SARIF `src/db.js`. */
function normalised(path: string): string {
  return path.replace(/^\/+/, '');
}
