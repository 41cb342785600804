import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, EventEnvelopeSchema } from '../../shared/events/envelope';
import type { QueueName } from '../../shared/queue/names';
import { appFunctions, startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, githubHeaders, gitlabHeaders, post } from '../support/webhookClient';

/**
 * Tenants kept apart at the webhook: an organization with a hook secret of its own
 * (`hooks-azure-devops-contoso`, `hooks-github-contoso`, `hooks-gitlab-contoso`) accepts deliveries
 * naming it only with that secret; the shared secret stays the default for the others, and one
 * organization's secret speaks for no other.
 */
const serviceHooks = join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks');
const sample = (name: string) => JSON.parse(readFileSync(join(serviceHooks, name), 'utf8')) as Record<string, unknown>;
const fabrikamAccountId = 'bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f';
/** The compiled CLI, as users run it (`npm test` builds before vitest runs). */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');

const contosoSecrets = {
  VIGIL_HOOK_SECRET_AZURE_DEVOPS_CONTOSO: `test-ado-contoso-${process.pid}-${Date.now().toString(36)}`,
  VIGIL_HOOK_SECRET_GITHUB_CONTOSO: `test-github-contoso-${process.pid}-${Date.now().toString(36)}`,
  VIGIL_HOOK_SECRET_GITLAB_CONTOSO: `test-gitlab-contoso-${process.pid}-${Date.now().toString(36)}`,
};

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({ env: contosoSecrets, functions: (await appFunctions()).filter((f) => f.kind === 'http') });
  // Organizations first: the webhook reads the directory (and caches it briefly) at the first delivery.
  const directory = host.services.stores.organizations;
  await directory.add('contoso', { azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } } });
  await directory.add('fabrikam-fiber-inc', {
    azureDevOps: { url: 'https://dev.azure.com/fabrikam-fiber-inc', auth: { mode: 'managed-identity' }, accountId: fabrikamAccountId },
  });
});

afterAll(async () => {
  await host?.dispose();
});

/** The build.complete sample, moved to the contoso organization. */
function contosoBuild(id: string): string {
  const payload = sample('build.complete.json') as { id: string; resourceContainers: Record<string, { baseUrl?: string }> };
  payload.id = id;
  for (const container of Object.values(payload.resourceContainers)) container.baseUrl = 'https://dev.azure.com/Contoso/';
  return JSON.stringify(payload);
}

/** The value with every URL (string starting http) left out, at any depth. */
function withoutUrls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUrls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => !(typeof child === 'string' && /^https?:/i.test(child)))
      .map(([key, child]) => [key, withoutUrls(child)]),
  );
}

async function envelopeOn(queue: QueueName, id: unknown): Promise<EventEnvelope | undefined> {
  const messages = await host.services.queue.receive(queue, { maxMessages: 100, lockDurationMs: 60_000 });
  for (const m of messages) await host.services.queue.abandon(m, 'inspected by a test');
  return messages.map((m) => EventEnvelopeSchema.parse(m.body)).find((e) => e.id === id);
}

describe('Azure DevOps', () => {
  it('refuses the shared secret for an organization that has its own', async () => {
    const response = await post(host.url('/hooks/azure-devops'), contosoBuild('contoso-shared'), azureDevOpsHeaders());
    expect(response).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it("accepts the organization's own secret, as Basic auth or in X-Vigil-Hook-Secret", async () => {
    const basic = await post(
      host.url('/hooks/azure-devops'),
      contosoBuild('contoso-own-1'),
      azureDevOpsHeaders(contosoSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS_CONTOSO),
    );
    expect(basic).toMatchObject({ status: 202, body: { queues: ['build-scan'] } });
    expect((await envelopeOn('build-scan', basic.body.id))?.organization).toBe('contoso');
    const header = await post(host.url('/hooks/azure-devops'), contosoBuild('contoso-own-2'), {
      'content-type': 'application/json',
      'x-vigil-hook-secret': contosoSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS_CONTOSO,
    });
    expect(header.status).toBe(202);
  });

  it("refuses one organization's secret for another organization's event", async () => {
    const payload = JSON.stringify({ ...sample('git.push.json'), id: 'fabrikam-with-contoso-secret' });
    const response = await post(
      host.url('/hooks/azure-devops'),
      payload,
      azureDevOpsHeaders(contosoSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS_CONTOSO),
    );
    expect(response.status).toBe(401);
  });

  it('keeps the shared secret as the default for an organization without its own', async () => {
    const payload = JSON.stringify({ ...sample('git.push.json'), id: 'fabrikam-with-shared-secret' });
    const response = await post(host.url('/hooks/azure-devops'), payload, azureDevOpsHeaders());
    expect(response).toMatchObject({ status: 202, body: { queues: ['repo-scan'] } });
  });

  it('finds the organization of a payload that names it only by account id, from the id recorded with vigil orgs add', async () => {
    const payload = sample('git.push.json') as { id: string; resource: unknown };
    payload.id = 'account-id-only';
    payload.resource = withoutUrls(payload.resource);
    const body = JSON.stringify(payload);
    expect(JSON.stringify(payload.resource)).not.toMatch(/https?:\/\//);
    const response = await post(host.url('/hooks/azure-devops'), body, azureDevOpsHeaders());
    expect(response.status).toBe(202);
    expect((await envelopeOn('repo-scan', response.body.id))?.organization).toBe('fabrikam-fiber-inc');
  });
});

describe('GitHub', () => {
  const push = (owner: string) =>
    JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: '1'.repeat(40),
      repository: { id: 42, full_name: `${owner}/api`, owner: { login: owner } },
    });

  it("accepts a push of the organization's repository only when signed with its own secret", async () => {
    const body = push('Contoso');
    expect((await post(host.url('/hooks/github'), body, githubHeaders('push', body))).status).toBe(401);
    const own = await post(
      host.url('/hooks/github'),
      body,
      githubHeaders('push', body, { secret: contosoSecrets.VIGIL_HOOK_SECRET_GITHUB_CONTOSO }),
    );
    expect(own).toMatchObject({ status: 202, body: { queues: ['repo-scan'] } });
  });

  it("keeps the shared secret for owners without their own, and refuses their events signed with contoso's", async () => {
    const body = push('northwind');
    expect((await post(host.url('/hooks/github'), body, githubHeaders('push', body))).status).toBe(202);
    expect(
      (
        await post(
          host.url('/hooks/github'),
          body,
          githubHeaders('push', body, { secret: contosoSecrets.VIGIL_HOOK_SECRET_GITHUB_CONTOSO }),
        )
      ).status,
    ).toBe(401);
  });
});

describe('GitLab', () => {
  const pushOf = (namespace: string) => {
    const payload = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'gitlab', 'push.json'), 'utf8')) as {
      project: { path_with_namespace: string };
    };
    payload.project.path_with_namespace = `${namespace}/diaspora`;
    return JSON.stringify(payload);
  };

  it("accepts a push of the top-level group's project only with the group's own token", async () => {
    const body = pushOf('contoso');
    expect((await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body))).status).toBe(401);
    expect(
      (await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { secret: contosoSecrets.VIGIL_HOOK_SECRET_GITLAB_CONTOSO })))
        .status,
    ).toBe(202);
  });

  it("refuses contoso's token for another group's project", async () => {
    const body = pushOf('northwind');
    expect(
      (await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { secret: contosoSecrets.VIGIL_HOOK_SECRET_GITLAB_CONTOSO })))
        .status,
    ).toBe(401);
    expect((await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body))).status).toBe(202);
  });
});

describe('vigil hooks send', () => {
  it("signs a payload naming an organization with that organization's own secret", async () => {
    const file = join(host.dataDir, 'contoso-build.json');
    writeFileSync(file, contosoBuild('sent-by-the-cli'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'hooks', 'send', file, '--source', 'azure-devops', '--url', host.baseUrl.replace(/\/api$/, '')],
      {
        env: { PATH: process.env.PATH, VIGIL_DATA_DIR: host.dataDir, ...testHookSecrets, ...contosoSecrets },
      },
    );
    expect(stdout).toMatch(/^202 /);
  });
});

describe('the log', () => {
  it('never holds an organization secret', () => {
    const log = host.logLines.join('');
    for (const secret of Object.values(contosoSecrets)) expect(log).not.toContain(secret);
  });
});
