import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServices } from '../../../shared/app/services';
import { openPullRequestHost } from '../../../shared/codeHosts';
import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/logging/logger';
import { OrganizationSettingsSchema } from '../../../shared/organizations/organizationSettings';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { GitHubPullRequestRoutes } from '../../support/github/pullRequestRoutes';
import { type GitHubApiServer, startGitHubApiServer } from '../../support/githubApiServer';
import { ManualClock } from '../../support/manualClock';

/**
 * Vigil tells its own comments from a person's by its identity on the platform. With a personal
 * access token that is `GET /user`; a GitHub App's installation token is refused there ("Resource
 * not accessible by integration"), so Vigil asks GraphQL's `viewer`, which is the app's bot: triage
 * from a conversation comment then works with either kind of token.
 */
const token = 'ghs_loopbackinstallationtoken0000000000';
let github: GitHubApiServer;
let routes: GitHubPullRequestRoutes;
let services: AppServices;

beforeAll(async () => {
  routes = new GitHubPullRequestRoutes({
    repositories: [],
    pullRequests: [],
    identity: { login: 'vigil-app[bot]', id: 90_000_777, type: 'Bot' },
  });
  github = await startGitHubApiServer({ token, extensions: [routes] });
  const env = { VIGIL_GITHUB_API_URL: github.url, VIGIL_SECRET_GITHUB_CONTOSO: token };
  services = { vault: createEnvironmentVault(env), config: loadConfig(env), clock: new ManualClock() } as unknown as AppServices;
});

afterAll(async () => {
  await github?.close();
});

async function identity() {
  const settings = OrganizationSettingsSchema.parse({
    id: 'contoso',
    organization: 'contoso',
    createdAt: '2026-12-08T00:00:00Z',
    updatedAt: '2026-12-08T00:00:00Z',
    github: { tokenSecret: 'github-contoso' },
  });
  const host = await openPullRequestHost('github', settings, services, createLogger({ sink: { write: () => undefined } }));
  try {
    return await host.identity();
  } finally {
    host.close();
  }
}

describe("Vigil's own identity on GitHub", () => {
  it("is the token's user with a personal access token", async () => {
    routes.token = 'personal';
    expect(await identity()).toEqual({ id: '90000777', name: 'vigil-app[bot]' });
    expect(github.calls.filter((c) => c.path === '/graphql')).toEqual([]);
  });

  it("is the app's bot, from GraphQL's viewer, with a GitHub App installation token", async () => {
    routes.token = 'installation';
    expect(await identity()).toEqual({ id: '90000777', name: 'vigil-app[bot]' });
    expect(github.calls.filter((c) => c.path === '/user').map((c) => c.status)).toContain(403);
    expect(github.calls.filter((c) => c.method === 'POST' && c.path === '/graphql')).toHaveLength(1);
  });
});
