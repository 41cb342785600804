import type { Octokit } from '@octokit/rest';
import type { AppServices } from '../app';
import { connectOctokit, gitHubFailure, gitHubTokenSecret } from '../ci';
import { PermanentError, type VigilError } from '../errors';
import type { Logger } from '../logging';
import type { OrganizationSettings } from '../organizations';

/**
 * Octokit for one organization's repositories and pull requests, built as the GitHub Actions
 * provider builds it: the organization's token (`github.tokenSecret` in the vault), the API root
 * from `VIGIL_GITHUB_API_URL`, Octokit's own log reduced to one-line summaries. Every call's
 * failure goes through the same mapping (401 → GitHubAuthError naming the secret, rate limits →
 * ThrottledError with GitHub's delay), except that a plain 403 says which access the token lacks:
 * reading contents, or writing to pull requests (comments, statuses).
 */
export type GitHubAccess = 'read' | 'write';

export interface GitHubConnection {
  call<T>(resource: string, operation: (octokit: Octokit) => Promise<T>, access?: GitHubAccess): Promise<T>;
}

export async function connectGitHub(settings: OrganizationSettings, services: AppServices, logger: Logger): Promise<GitHubConnection> {
  const organization = settings.organization;
  const tokenSecret = gitHubTokenSecret(settings);
  const octokit = await connectOctokit(settings, { vault: services.vault, config: services.config, logger });
  return {
    async call(resource, operation, access = 'read') {
      try {
        return await operation(octokit);
      } catch (error) {
        throw gitHubCallFailure(error, { organization, tokenSecret, resource, now: services.clock.now() }, access);
      }
    },
  };
}

export function gitHubCallFailure(error: unknown, call: Parameters<typeof gitHubFailure>[1], access: GitHubAccess): VigilError {
  const failure = gitHubFailure(error, call);
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 403 && failure instanceof PermanentError) {
    return new PermanentError(
      access === 'read'
        ? `GitHub refused access to ${call.resource} in organization '${call.organization}' (HTTP 403): give the token of secret '${call.tokenSecret}' read access to the repository's contents (classic: scope 'repo'; fine-grained: 'Contents: read')`
        : `GitHub refused to write ${call.resource} in organization '${call.organization}' (HTTP 403): give the token of secret '${call.tokenSecret}' write access to pull requests and commit statuses (classic: scope 'repo'; fine-grained: 'Pull requests: write' and 'Commit statuses: write')`,
    );
  }
  return failure;
}

/** GitHub answered 403 because check runs need a GitHub App's token (a personal access token cannot write them). */
export function needsGitHubApp(error: unknown): boolean {
  const shape = error as { status?: unknown; message?: unknown } | null;
  return shape?.status === 403 && typeof shape.message === 'string' && /authenticate via a GitHub App/i.test(shape.message);
}
