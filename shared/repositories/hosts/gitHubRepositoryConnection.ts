import type { Octokit } from '@octokit/rest';
import { connectOctokit, gitHubTokenSecret } from '../../ci';
import { gitHubFailure } from '../../ci';
import { PermanentError, type VigilError } from '../../errors';
import type { Logger } from '../../logging';
import type { OrganizationSettings } from '../../organizations';
import type { AppServices } from '../../app';

/**
 * Octokit for reading a GitHub organization's repository content, built as the GitHub Actions
 * provider builds it: the organization's token (`github.tokenSecret` in the vault), the API root
 * from `VIGIL_GITHUB_API_URL`, Octokit's own log reduced to one-line summaries. Every call's
 * failure goes through the same mapping (401 → GitHubAuthError naming the secret, rate limits →
 * ThrottledError with GitHub's delay), except that a plain 403 asks for read access to contents.
 */
export interface GitHubRepositoryConnection {
  call<T>(resource: string, operation: (octokit: Octokit) => Promise<T>): Promise<T>;
}

export async function connectGitHubRepositories(settings: OrganizationSettings, services: AppServices, logger: Logger): Promise<GitHubRepositoryConnection> {
  const organization = settings.organization;
  const tokenSecret = gitHubTokenSecret(settings);
  const octokit = await connectOctokit(settings, { vault: services.vault, config: services.config, logger });
  return {
    async call(resource, operation) {
      try {
        return await operation(octokit);
      } catch (error) {
        throw contentFailure(error, { organization, tokenSecret, resource, now: services.clock.now() });
      }
    },
  };
}

function contentFailure(error: unknown, call: Parameters<typeof gitHubFailure>[1]): VigilError {
  const failure = gitHubFailure(error, call);
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 403 && failure instanceof PermanentError) {
    return new PermanentError(
      `GitHub refused access to ${call.resource} in organization '${call.organization}' (HTTP 403): give the token of secret '${call.tokenSecret}' read access to the repository's contents (classic: scope 'repo'; fine-grained: 'Contents: read')`,
    );
  }
  return failure;
}
