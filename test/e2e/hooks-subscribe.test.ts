import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';

/** The compiled CLI, as users run it (`npm test` builds before vitest runs). */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');

const events = [
  'build.complete',
  'git.push',
  'git.pullrequest.created',
  'git.pullrequest.updated',
  'ms.vss-code.git-pullrequest-comment-event',
  'git.repo.created',
  'git.repo.renamed',
  'git.repo.statuschanged',
  'git.repo.deleted',
  'workitem.updated',
  'workitem.deleted',
  'workitem.restored',
  'ms.vss-endpoint.endpoint-created',
  'ms.vss-endpoint.endpoint-updated',
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const pat = randomBytes(24).toString('hex');
const hookSecret = `hook-${randomBytes(18).toString('base64url')}`;
const contosoHookSecret = `hook-contoso-${randomBytes(18).toString('base64url')}`;
const outputs: string[] = [];

let ado: AzureDevOpsServer;
let dataDir: string;
let env: Record<string, string>;

async function vigil(...args: string[]): Promise<Run> {
  let run: Run;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    run = { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    run = { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
  outputs.push(run.stdout, run.stderr);
  return run;
}

const lines = (text: string) => text.split('\n').filter(Boolean);
/** Calls that change subscriptions, from call number `from` on. */
const writesSince = (from: number) =>
  ado.calls.slice(from).filter((c) => c.path.includes('/_apis/hooks/subscriptions') && c.method !== 'GET');

/** A subscription made by someone else, straight through the REST API. */
async function foreignSubscription(eventType: string, url: string, projectId: string): Promise<string> {
  const response = await fetch(`${ado.url}/_apis/hooks/subscriptions?api-version=7.1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}` },
    body: JSON.stringify({
      publisherId: 'tfs',
      eventType,
      consumerId: 'webHooks',
      consumerActionId: 'httpRequest',
      publisherInputs: { projectId },
      consumerInputs: { url },
    }),
  });
  return ((await response.json()) as { id: string }).id;
}

beforeAll(async () => {
  ado = await startAzureDevOpsServer({ pat, projects: [{ name: 'Web' }, { name: 'Mobile' }] });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-hooks-'));
  env = { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_ADO_PAT: pat, VIGIL_HOOK_SECRET_AZURE_DEVOPS: hookSecret, VIGIL_LOG_LEVEL: 'error' };
});

afterAll(async () => {
  await ado?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('vigil hooks subscribe against the loopback Azure DevOps', () => {
  const webhook = 'https://func-vigil.example.net/api/hooks/azure-devops';
  const auth = ['--auth', 'pat', '--token-secret', 'ado-pat'];
  let webId = '';
  let firstIds: Map<string, string>;

  it('refuses bad input with exit 2 and one line, before calling Azure DevOps', async () => {
    const before = ado.calls.length;
    for (const args of [
      [
        'hooks',
        'subscribe',
        '--org',
        ado.url,
        '--project',
        'Web',
        '--url',
        'http://func-vigil.example.net/api/hooks/azure-devops',
        ...auth,
      ],
      ['hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', 'https://func-vigil.example.net/api/other', ...auth],
      ['hooks', 'subscribe', '--org', 'http://dev.azure.example/contoso', '--project', 'Web', '--url', webhook, ...auth],
      ['hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', webhook, '--auth', 'pat'],
      ['hooks', 'subscribe', '--org', ado.url, '--url', webhook, ...auth],
      ['hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', webhook, '--resource-details', 'some', ...auth],
      ['hooks', 'remove', '--org', ado.url, ...auth],
      // A malformed percent-escape in the organization's name: a usage error, not a URIError's stack trace.
      ['hooks', 'subscribe', '--org', 'https://dev.azure.com/contoso%ff', '--project', 'Web', '--url', webhook, ...auth],
    ]) {
      const run = await vigil(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(lines(run.stderr).filter((l) => !l.startsWith('(run with --help'))).toHaveLength(1);
      expect(run.stdout).toBe('');
    }
    expect(ado.calls.length).toBe(before);
  });

  it('exits 2 when the organization is unknown to vigil orgs and no --auth is given, or the project does not exist', async () => {
    const noAuth = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', webhook);
    expect(noAuth.code).toBe(2);
    expect(noAuth.stderr).toMatch(/organization 'contoso' has no Azure DevOps settings in vigil orgs/);
    const noProject = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Nope', '--url', webhook, ...auth);
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toMatch(/no project 'Nope'.*Web, Mobile/);
    expect(ado.hookSubscriptions()).toHaveLength(0);
  });

  it('creates its subscriptions once, with the hook secret as the Basic-auth password', async () => {
    await foreignSubscription('git.push', 'https://ci.example.net/notify', '');
    const run = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', webhook, ...auth);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(events.map((e) => `created ${e}`));

    const ours = ado.hookSubscriptions().filter((s) => (s.consumerInputs as Record<string, string>).url === webhook);
    expect(ours).toHaveLength(events.length);
    webId = (ours[0].publisherInputs as Record<string, string>).projectId;
    for (const s of ours) {
      expect(s).toMatchObject({
        publisherId: 'tfs',
        consumerId: 'webHooks',
        consumerActionId: 'httpRequest',
        publisherInputs: { projectId: webId },
        consumerInputs: {
          url: webhook,
          basicAuthUsername: 'vigil',
          basicAuthPassword: hookSecret,
          resourceDetailsToSend: 'minimal',
          messagesToSend: 'none',
          detailedMessagesToSend: 'none',
        },
      });
    }
    expect(new Set(ours.map((s) => s.eventType))).toEqual(new Set(events));
    firstIds = new Map(ours.map((s) => [s.eventType as string, s.id as string]));
    expect(webId).not.toBe('');
  });

  it('changes nothing on a second run (no POST, PUT or DELETE)', async () => {
    const from = ado.calls.length;
    const run = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', webhook, ...auth);
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(
      events.map((e) => `unchanged ${e} ${firstIds.get(e)}`),
    );
    expect(writesSince(from)).toEqual([]);
    expect(ado.hookSubscriptions()).toHaveLength(events.length + 1); // Vigil's and the foreign one
  });

  it("takes the auth from the organization's settings in vigil orgs when present", async () => {
    const added = await vigil(
      'orgs',
      'add',
      'contoso',
      '--azure-devops-url',
      'https://dev.azure.com/contoso',
      '--auth',
      'pat',
      '--token-secret',
      'ado-pat',
    );
    expect(added.code).toBe(0);
    const from = ado.calls.length;
    const run = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', webhook);
    expect(run.code).toBe(0);
    expect(lines(run.stdout).every((l) => l.startsWith('unchanged '))).toBe(true);
    expect(writesSince(from)).toEqual([]);
    const authorizations = new Set(
      ado.calls.slice(from).map(
        (c) =>
          Buffer.from(c.authorization?.split(' ')[1] ?? '', 'base64')
            .toString('utf8')
            .split(':')[1],
      ),
    );
    expect(authorizations).toEqual(new Set([pat]));
  });

  it('updates all of them in place when the webhook URL changes (PUT, same ids)', async () => {
    const moved = 'https://func-vigil-2.example.net/api/hooks/azure-devops';
    const from = ado.calls.length;
    const run = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', moved);
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(
      events.map((e) => `updated ${e} ${firstIds.get(e)}`),
    );
    expect(lines(run.stdout).every((l) => l.includes('(url)'))).toBe(true);
    const writes = writesSince(from);
    expect(writes.map((c) => c.method)).toEqual(Array(events.length).fill('PUT'));
    expect(new Set(writes.map((c) => c.path.split('/').pop()))).toEqual(new Set(firstIds.values()));

    const ours = ado
      .hookSubscriptions()
      .filter((s) => firstIds.has(s.eventType as string) && (s.consumerInputs as Record<string, string>).url === moved);
    expect(ours).toHaveLength(events.length);
    for (const s of ours) {
      expect(s.id).toBe(firstIds.get(s.eventType as string));
      expect((s.consumerInputs as Record<string, string>).basicAuthPassword).toBe(hookSecret);
    }
    const again = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', moved);
    expect(lines(again.stdout).every((l) => l.startsWith('unchanged '))).toBe(true);
  });

  it('sets the resource details asked for, in place; minimal unless told; and warns that none leaves Vigil without ids', async () => {
    const moved = 'https://func-vigil-2.example.net/api/hooks/azure-devops';
    const subscribe = (...extra: string[]) => vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', moved, ...extra);
    const details = () =>
      new Set(
        ado
          .hookSubscriptions()
          .filter((s) => firstIds.has(s.eventType as string) && (s.consumerInputs as Record<string, string>).url === moved)
          .map((s) => (s.consumerInputs as Record<string, string>).resourceDetailsToSend),
      );

    const all = await subscribe('--resource-details', 'all');
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(lines(all.stdout).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(
      events.map((e) => `updated ${e} ${firstIds.get(e)}`),
    );
    expect(lines(all.stdout).every((l) => l.includes('(resourceDetailsToSend)'))).toBe(true);
    expect(details()).toEqual(new Set(['all']));

    const none = await subscribe('--resource-details', 'none');
    expect(none.code).toBe(0);
    expect(lines(none.stderr)).toEqual([expect.stringMatching(/^warning: with --resource-details none .* parks every delivery/)]);
    expect(details()).toEqual(new Set(['none']));

    const back = await subscribe();
    expect(back).toMatchObject({ code: 0, stderr: '' });
    expect(lines(back.stdout).every((l) => l.startsWith('updated '))).toBe(true);
    expect(details()).toEqual(new Set(['minimal']));
    expect(lines((await subscribe('--resource-details', 'minimal')).stdout).every((l) => l.startsWith('unchanged '))).toBe(true);
  });

  it('never keeps a duplicate, and leaves subscriptions that are not Vigil’s alone', async () => {
    await foreignSubscription('git.push', 'https://func-vigil-2.example.net/api/hooks/azure-devops', webId);
    const run = await vigil(
      'hooks',
      'subscribe',
      '--org',
      ado.url,
      '--project',
      'Web',
      '--url',
      'https://func-vigil-2.example.net/api/hooks/azure-devops',
    );
    expect(run.code).toBe(0);
    const push = lines(run.stdout).find((l) => l.includes(' git.push '));
    expect(push).toMatch(/removed 1 duplicate/);
    const pushes = ado.hookSubscriptions().filter((s) => s.eventType === 'git.push');
    expect(pushes.map((s) => (s.consumerInputs as Record<string, string>).url).sort()).toEqual([
      'https://ci.example.net/notify',
      'https://func-vigil-2.example.net/api/hooks/azure-devops',
    ]);
  });

  it('lists them, per project and as JSON', async () => {
    const mobile = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Mobile', '--url', 'https://func-vigil-2.example.net');
    expect(mobile.code).toBe(0);
    expect(lines(mobile.stdout).every((l) => l.startsWith('created '))).toBe(true);

    const all = await vigil('hooks', 'list', '--org', ado.url, '--json');
    expect(all.code).toBe(0);
    const listed = (JSON.parse(all.stdout) as { subscriptions: Array<Record<string, string>> }).subscriptions;
    expect(listed).toHaveLength(2 * events.length);
    expect(
      listed
        .filter((s) => s.project === 'Web')
        .map((s) => s.eventType)
        .sort(),
    ).toEqual([...events].sort());
    for (const s of listed) {
      expect(Object.keys(s).sort()).toEqual(['eventType', 'id', 'project', 'projectId', 'status', 'url']);
      expect(s).toMatchObject({ status: 'enabled', url: 'https://func-vigil-2.example.net/api/hooks/azure-devops' });
    }
    expect(
      listed
        .filter((s) => s.project === 'Web')
        .map((s) => s.id)
        .sort(),
    ).toEqual([...firstIds.values()].sort());

    const web = await vigil('hooks', 'list', '--org', ado.url, '--project', 'Web');
    expect(web.code).toBe(0);
    expect(lines(web.stdout)).toHaveLength(events.length);
    for (const line of lines(web.stdout))
      expect(line).toMatch(/^[0-9a-f-]{36} {2}\S+ {2}Web {2}enabled {2}https:\/\/func-vigil-2\.example\.net\/api\/hooks\/azure-devops$/);
  });

  it('removes them with --yes (one project, then the rest), and nothing else', async () => {
    const web = await vigil('hooks', 'remove', '--org', ado.url, '--project', 'Web', '--yes');
    expect(web.code).toBe(0);
    expect(lines(web.stdout)).toHaveLength(events.length);
    expect(lines(web.stdout).every((l) => /^removed \S+ [0-9a-f-]{36} \(Web\)$/.test(l))).toBe(true);
    const rest = await vigil('hooks', 'remove', '--org', ado.url, '--yes');
    expect(lines(rest.stdout)).toHaveLength(events.length);
    expect(ado.hookSubscriptions().map((s) => (s.consumerInputs as Record<string, string>).url)).toEqual(['https://ci.example.net/notify']);
    const empty = await vigil('hooks', 'list', '--org', ado.url, '--json');
    expect(JSON.parse(empty.stdout)).toEqual({ subscriptions: [] });
  });

  it('exits 2 with one line when Azure DevOps rejects the PAT', async () => {
    const run = await vigil('hooks', 'list', '--org', ado.url, '--auth', 'pat', '--token-secret', 'wrong-pat');
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    const bad = await vigil('hooks', 'list', '--org', ado.url);
    expect(bad.code).toBe(0);
    env = { ...env, VIGIL_SECRET_ADO_PAT: 'not-the-pat' };
    const rejected = await vigil('hooks', 'list', '--org', ado.url);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/rejected the credentials for organization 'contoso'/);
    env = { ...env, VIGIL_SECRET_ADO_PAT: pat };
  });

  it("uses the organization's own hook secret once the vault has one (after --force, since Azure DevOps never returns the password)", async () => {
    env = { ...env, VIGIL_HOOK_SECRET_AZURE_DEVOPS_CONTOSO: contosoHookSecret };
    const run = await vigil('hooks', 'subscribe', '--org', ado.url, '--project', 'Web', '--url', webhook, '--force');
    expect(run.code).toBe(0);
    const ours = ado.hookSubscriptions().filter((s) => (s.consumerInputs as Record<string, string>).url === webhook);
    expect(ours).toHaveLength(events.length);
    for (const s of ours) expect((s.consumerInputs as Record<string, string>).basicAuthPassword).toBe(contosoHookSecret);
  });

  it('never printed the hook secret or the PAT', () => {
    const everything = outputs.join('\n');
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(hookSecret);
    expect(everything).not.toContain(contosoHookSecret);
    expect(everything).not.toContain(pat);
  });
});
