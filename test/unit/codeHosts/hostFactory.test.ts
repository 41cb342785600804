import { describe, expect, it } from 'vitest';
import type { AppServices } from '../../../shared/app/services';
import { openPullRequestHost } from '../../../shared/codeHosts';
import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/logging/logger';
import { type OrganizationSettings, OrganizationSettingsSchema } from '../../../shared/organizations/organizationSettings';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { ManualClock } from '../../support/manualClock';

const logger = createLogger({ sink: { write: () => undefined } });
const services = { vault: createEnvironmentVault({}), config: loadConfig({}), clock: new ManualClock() } as unknown as AppServices;
const settings = (fields: Partial<OrganizationSettings>) =>
  OrganizationSettingsSchema.parse({
    id: 'contoso',
    organization: 'contoso',
    createdAt: '2026-11-20T00:00:00Z',
    updatedAt: '2026-11-20T00:00:00Z',
    ...fields,
  });

describe('making a host adapter for an event’s source', () => {
  it.each([
    [
      'azure-devops',
      /organization 'contoso' has no Azure DevOps settings \(set them with: vigil orgs add contoso --azure-devops-url URL --auth \.\.\.\)/,
    ],
    ['github', /organization 'contoso' has no GitHub token \(set one with: vigil orgs add contoso --github-token-secret SECRET\)/],
    [
      'gitlab',
      /organization 'contoso' has no GitLab connection \(set one with: vigil orgs add contoso --gitlab-url URL --gitlab-token-secret SECRET\)/,
    ],
  ])('refuses %s without its settings, naming the setting and the command that sets it', async (source, message) => {
    await expect(openPullRequestHost(source, settings({}), services, logger)).rejects.toMatchObject({
      kind: 'configuration',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a platform whose token is not in the vault, naming the secret, before any request', async () => {
    await expect(
      openPullRequestHost('github', settings({ github: { tokenSecret: 'github-contoso' } }), services, logger),
    ).rejects.toMatchObject({ kind: 'configuration', message: expect.stringMatching(/no secret 'github-contoso' in the vault/) });
    await expect(
      openPullRequestHost(
        'gitlab',
        settings({ gitlab: { url: 'https://gitlab.example.com', tokenSecret: 'gitlab-contoso' } }),
        services,
        logger,
      ),
    ).rejects.toMatchObject({ kind: 'configuration', message: expect.stringMatching(/no secret 'gitlab-contoso'/) });
  });

  it('refuses a source that is no code host', async () => {
    await expect(openPullRequestHost('vigil', settings({}), services, logger)).rejects.toMatchObject({
      kind: 'configuration',
      message: expect.stringMatching(/no code host for source 'vigil'/),
    });
  });

  it('says what each platform can do and how long a comment may be', async () => {
    const gitlab = await openPullRequestHost(
      'gitlab',
      settings({ gitlab: { url: 'https://gitlab.example.com', tokenSecret: 'gitlab-contoso' } }),
      { ...services, vault: createEnvironmentVault({ VIGIL_SECRET_GITLAB_CONTOSO: 'glpat-test' }) } as AppServices,
      logger,
    );
    expect(gitlab.capabilities).toEqual({ resolvableThreads: true, threadProperties: false, annotations: false, requiredStatus: true });
    expect(gitlab.limits.commentLength).toBe(1_000_000);
  });
});
