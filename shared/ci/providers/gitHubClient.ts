import type { Octokit } from '@octokit/rest';
import type { VigilConfig } from '../../config';
import { ConfigurationError } from '../../errors';
import type { Logger } from '../../logging';
import type { OrganizationSettings } from '../../organizations';
import type { Vault } from '../../vault';
import { requireSecret } from '../../vault';

export const defaultGitHubApiUrl = 'https://api.github.com';

/** The vault secret holding an organization's GitHub token, or a ConfigurationError saying how to set one. */
export function gitHubTokenSecret(settings: OrganizationSettings): string {
  const github = settings.github;
  if (!github) {
    const name = settings.organization;
    throw new ConfigurationError(
      `organization '${name}' has no GitHub token (set one with: vigil orgs add ${name} --github-token-secret SECRET)`,
    );
  }
  return github.tokenSecret;
}

/**
 * Octokit for one organization: its token from the vault, the API root from `VIGIL_GITHUB_API_URL`
 * (or `baseUrl`), and Octokit's own log reduced to one-line summaries, never its request objects
 * (they carry headers).
 */
export async function connectOctokit(
  settings: OrganizationSettings,
  deps: { vault: Vault; config: VigilConfig; logger: Logger; baseUrl?: string },
): Promise<Octokit> {
  const token = await requireSecret(deps.vault, gitHubTokenSecret(settings));
  const baseUrl = (deps.baseUrl ?? deps.config.environment.VIGIL_GITHUB_API_URL ?? defaultGitHubApiUrl).replace(/\/+$/, '');
  // @octokit/rest ships as an ES module only; a dynamic import loads it from CommonJS on any Node 20.
  const { Octokit } = await import('@octokit/rest');
  const { logger } = deps;
  return new Octokit({
    auth: token,
    baseUrl,
    userAgent: 'vigil/0.1.0',
    log: {
      debug: () => undefined,
      info: (message: string) => logger.debug(String(message)),
      warn: (message: string) => logger.warn(String(message)),
      error: (message: string) => logger.debug(String(message)),
    },
  });
}
