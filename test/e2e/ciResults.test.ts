import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Risk } from '../../shared/risks/risk';
import { queuesSettled } from '../support/alertReceiver';
import { connectionDataRoutes, type LoopbackIdentity } from '../support/azureDevOps/identities';
import { WorkItemRoutes } from '../support/azureDevOps/workItemRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { recordedRequestText } from '../support/recordedRequests';
import { startTestHost, type TestHost } from '../support/testHost';
import { post } from '../support/webhookClient';

/**
 * SARIF results from a CI, end to end over real HTTP (docs/ci-results.md): the local host, a loopback
 * Azure DevOps with Azure Boards, an inventoried repository. Trivy's log → dependency-vulnerability
 * risks tagged with their CVE/GHSA → work items tagged with them; the same upload again → nothing new;
 * a later upload without a result → its risk resolved. A secret scanner's snippet never reaches a risk,
 * a queue, a log or Azure DevOps. Every bad request is refused with a 4xx and enqueues nothing.
 */
const fixtures = join(__dirname, '..', 'fixtures', 'sarif');
const trivy = readFileSync(join(fixtures, 'trivy.sarif.json'), 'utf8');
const semgrep = readFileSync(join(fixtures, 'semgrep.sarif.json'), 'utf8');
const plantedKey = 'AKIAZ7QW3ERTY5UIOP4X';
const projectId = '33dd33dd-ee44-ff55-aa66-77bb77bb77bb';
const repositoryId = '7c1e1a7e-0000-4000-8000-00000000c1c1';
const organization = 'fabrikamfiber';
const token = `test-ci-${randomBytes(12).toString('hex')}`;
const otherToken = `test-ci-other-${randomBytes(12).toString('hex')}`;
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const vigil: LoopbackIdentity = { id: 'dddddddd-0000-4000-8000-0000000c1c01', displayName: 'Vigil', uniqueName: 'vigil@fabrikam.example' };
const firstCommit = 'a'.repeat(40);
const laterCommit = 'b'.repeat(40);

let devops: AzureDevOpsServer;
let boards: WorkItemRoutes;
let host: TestHost;

function ciUrl(overrides: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  const context: Record<string, string | undefined> = {
    source: 'azure-devops',
    organization,
    project: 'FabrikamFiberChat',
    repository: 'fabrikam-web',
    commit: firstCommit,
    branch: 'refs/heads/main',
    runUrl: 'https://dev.azure.com/fabrikamfiber/FabrikamFiberChat/_build/results?buildId=42',
    ...overrides,
  };
  for (const [name, value] of Object.entries(context)) if (value !== undefined) query.set(name, value);
  return host.url(`/hooks/ci?${query}`);
}

const headers = (secret: string | null = token): Record<string, string> => ({
  'content-type': 'application/sarif+json',
  ...(secret === null ? {} : { authorization: `Bearer ${secret}` }),
});

function accepted(): number {
  return host.logLines.filter((line) => line.includes('SARIF results accepted')).length;
}

async function risksOf(kind?: Risk['kind']): Promise<Risk[]> {
  const all = await host.services.stores.risks.list({ organization });
  return kind ? all.filter((risk) => risk.kind === kind) : all;
}

async function settle(): Promise<void> {
  await queuesSettled(host);
}

beforeAll(async () => {
  boards = new WorkItemRoutes({ projects: [{ name: 'FabrikamFiberChat', id: projectId, process: 'Agile' }], identity: vigil });
  devops = await startAzureDevOpsServer({
    organization,
    pat,
    projects: [{ id: projectId, name: 'FabrikamFiberChat' }],
    extensions: [connectionDataRoutes(vigil), boards],
  });
  host = await startTestHost({
    env: {
      VIGIL_SECRET_ADO_PAT_FABRIKAMFIBER: pat,
      VIGIL_SECRET_CI_TOKEN_FABRIKAMFIBER: token,
      // A token for an organization Vigil does not know.
      VIGIL_SECRET_CI_TOKEN_NORTHWIND: otherToken,
    },
  });
  await host.services.stores.organizations.add(organization, {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikamfiber' } },
    workItems: { enabled: true, workItemType: 'Issue', stateMapping: {} },
  });
  // An organization Vigil knows that has no CI token.
  await host.services.stores.organizations.add('contoso', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
  });
  await host.services.stores.repositories.upsertIfChanged({
    organization,
    repositoryId,
    name: 'fabrikam-web',
    project: 'FabrikamFiberChat',
    projectId,
    projectVisibility: 'private',
    size: 1024,
    state: 'active',
    defaultBranch: 'refs/heads/main',
  });
});

afterAll(async () => {
  await host?.dispose();
  await devops?.close();
});

describe('SARIF results from a CI', () => {
  it('turns a Trivy log into dependency-vulnerability risks and work items tagged with their CVE and GHSA ids', async () => {
    const answer = await post(ciUrl(), trivy, headers());
    expect(answer).toMatchObject({ status: 202, body: { results: 2, tool: 'Trivy', queues: ['build-scan'] } });
    await settle();
    const risks = await risksOf('dependency-vulnerability');
    expect(risks.map((r) => [r.ruleId, r.severity, r.tags, r.status, r.asset.id]).sort()).toEqual([
      ['CVE-2022-23529', 'high', ['CVE-2022-23529'], 'open', `repository:${repositoryId}`],
      ['GHSA-hjrf-2m68-5959', 'medium', ['GHSA-hjrf-2m68-5959'], 'open', `repository:${repositoryId}`],
    ]);
    expect(risks[0]).toMatchObject({ tool: 'Trivy', project: 'FabrikamFiberChat' });
    const items = boards.workItems();
    expect(items).toHaveLength(2);
    const cveItem = items.find((item) => item.tags.includes('CVE-2022-23529'));
    expect(cveItem?.title).toMatch(/^Vulnerable dependency: node-jsonwebtoken/);
    expect(cveItem?.tags).toEqual(expect.arrayContaining(['vigil', 'severity-high', 'CVE-2022-23529']));
    expect(items.some((item) => item.tags.includes('GHSA-hjrf-2m68-5959'))).toBe(true);
  });

  it('makes no second risk or work item when the same upload comes again', async () => {
    const again = await post(ciUrl(), trivy, headers());
    expect(again.status).toBe(202);
    await settle();
    expect(await risksOf('dependency-vulnerability')).toHaveLength(2);
    expect(boards.workItems()).toHaveLength(2);
  });

  it('resolves the risk a later upload for the same tool and branch no longer reports, and its work item follows', async () => {
    const document = JSON.parse(trivy);
    document.runs[0].results = document.runs[0].results.filter((r: { ruleId: string }) => r.ruleId === 'CVE-2022-23529');
    const answer = await post(ciUrl({ commit: laterCommit }), JSON.stringify(document), headers());
    expect(answer).toMatchObject({ status: 202, body: { results: 1 } });
    await settle();
    const byRule = new Map((await risksOf('dependency-vulnerability')).map((r) => [r.ruleId, r]));
    expect(byRule.get('CVE-2022-23529')?.status).toBe('open');
    expect(byRule.get('GHSA-hjrf-2m68-5959')).toMatchObject({
      status: 'resolved',
      resolution: expect.stringContaining('no longer reported by Trivy on main'),
    });
    const ghsaItem = boards.workItems().find((item) => item.tags.includes('GHSA-hjrf-2m68-5959'));
    expect(ghsaItem?.state).toBe('Closed');
    expect(boards.workItems()).toHaveLength(2);
  });

  it("keeps a secret scanner's snippet out of risks, queues, logs and Azure DevOps", async () => {
    const answer = await post(ciUrl({ tool: 'Semgrep OSS' }), semgrep, headers());
    expect(answer.status).toBe(202);
    await settle();
    const secret = (await risksOf('code-finding')).find((r) => r.ruleId.includes('aws-access-key'));
    expect(secret?.evidence.redacted).toMatch(/^\*+OP4X$/);
    expect(JSON.stringify(await risksOf())).not.toContain(plantedKey);
    expect(host.logLines.join('\n')).not.toContain(plantedKey);
    expect(recordedRequestText(devops.calls)).not.toContain(plantedKey);
  });
});

describe('a bad CI request', () => {
  const cases: Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp]> = [
    ['no token', () => post(ciUrl(), trivy, headers(null)), 401, /Authorization: Bearer/],
    ['a wrong token', () => post(ciUrl(), trivy, headers('not-the-token')), 401, /wrong credentials/],
    ["another organization's token", () => post(ciUrl(), trivy, headers(otherToken)), 401, /wrong credentials/],
    [
      'an organization without a CI token',
      () => post(ciUrl({ organization: 'contoso' }), trivy, headers()),
      401,
      /set secret 'ci-token-contoso'/,
    ],
    [
      'an organization Vigil does not know, even with a CI token in the vault',
      () => post(ciUrl({ organization: 'northwind' }), trivy, headers(otherToken)),
      404,
      /vigil orgs add northwind/,
    ],
    [
      'a made-up organization',
      () => post(ciUrl({ organization: 'made-up-org' }), trivy, headers('anything')),
      404,
      /vigil orgs add made-up-org/,
    ],
    [
      'an unknown repository',
      () => post(ciUrl({ repository: 'no-such-repo' }), trivy, headers()),
      404,
      /vigil repos inventory --org fabrikamfiber/,
    ],
    ['a context without a commit', () => post(ciUrl({ commit: undefined }), trivy, headers()), 422, /'commit'/],
    ['a body over 10 MB', () => post(ciUrl(), Buffer.alloc(10 * 1024 * 1024 + 1, 0x20), headers()), 413, /limited to 10485760 bytes/],
    ['a body that is not JSON', () => post(ciUrl(), 'Trivy found 2 vulnerabilities', headers()), 400, /not valid JSON/],
    ['JSON that is not SARIF', () => post(ciUrl(), JSON.stringify({ findings: [] }), headers()), 422, /\$\.version/],
    [
      'a SARIF log with a result without a message',
      () => {
        const document = JSON.parse(trivy);
        delete document.runs[0].results[1].message;
        return post(ciUrl(), JSON.stringify(document), headers());
      },
      422,
      /\$\.runs\[0\]\.results\[1\]\.message/,
    ],
    [
      'a body that is not JSON by its content type',
      () => post(ciUrl(), trivy, { ...headers(), 'content-type': 'text/plain' }),
      415,
      /application\/sarif\+json/,
    ],
  ];

  it.each(cases)('is refused for %s with a 4xx saying what to do, and nothing is enqueued', async (_name, send, status, message) => {
    const before = accepted();
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(String(answer.body.message)).toMatch(message);
    expect(accepted()).toBe(before);
  });

  it('names the JSON path of the first error in the field', async () => {
    const document = JSON.parse(trivy);
    document.runs[0].tool.driver.rules[0].id = '';
    const answer = await post(ciUrl(), JSON.stringify(document), headers());
    expect(answer).toMatchObject({ status: 422, body: { error: 'invalid_sarif', field: '$.runs[0].tool.driver.rules[0].id' } });
  });
});
