import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompiledCli } from '../support/compiledCli';

let env: NodeJS.ProcessEnv;
let dataDir: string;

const vigil = (...args: string[]) => runCompiledCli(env, ...args);

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-orgs-'));
  env = { PATH: process.env.PATH, VIGIL_DATA_DIR: dataDir };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('vigil orgs', () => {
  it('adds an organization that reaches Azure DevOps with a PAT named by its vault secret, and says the secret is not set yet', async () => {
    const run = await vigil(
      'orgs',
      'add',
      'Contoso',
      '--azure-devops-url',
      'https://dev.azure.com/contoso/',
      '--auth',
      'pat',
      '--token-secret',
      'ado-pat-contoso',
      '--area-path',
      'Web\\Security',
      '--state',
      'Completed=Done',
    );
    expect(run).toMatchObject({ code: 0, stdout: "added organization 'contoso'\n" });
    expect(run.stderr).toContain("secret 'ado-pat-contoso' is not in the vault yet (vigil secrets set ado-pat-contoso)");
  });

  it('adds alert channels once each, by secret name', async () => {
    expect((await vigil('orgs', 'channel', 'add', 'contoso', '--type', 'teams', '--url-secret', 'teams-contoso')).code).toBe(0);
    expect((await vigil('orgs', 'channel', 'add', 'contoso', '--type', 'teams', '--url-secret', 'teams-contoso')).stdout).toContain(
      '1 alert channel(s)',
    );
    expect(
      (await vigil('orgs', 'channel', 'add', 'contoso', '--type', 'webhook', '--url-secret', 'hook-url', '--signing-secret', 'hook-key'))
        .stdout,
    ).toContain('2 alert channel(s)');
  });

  it('shows settings as JSON with names of secrets and never a value', async () => {
    const run = await vigil('orgs', 'show', 'contoso', '--json');
    expect(JSON.parse(run.stdout)).toMatchObject({
      organization: 'contoso',
      azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
      workItems: { workItemType: 'Issue', areaPath: 'Web\\Security', stateMapping: { Completed: 'Done' } },
      alertChannels: [
        { type: 'teams', urlSecret: 'teams-contoso' },
        { type: 'webhook', urlSecret: 'hook-url', signingSecret: 'hook-key' },
      ],
    });
  });

  it('keeps how Vigil reports on pull requests, and refuses a setting out of range naming the option', async () => {
    expect(
      (
        await vigil(
          'orgs',
          'add',
          'octo-org',
          '--github-token-secret',
          'github-octo',
          '--pr-summary',
          'once',
          '--pr-fail-on',
          'all',
          '--pr-thread-budget',
          '10',
        )
      ).code,
    ).toBe(0);
    expect(JSON.parse((await vigil('orgs', 'show', 'octo-org', '--json')).stdout)).toMatchObject({
      pullRequests: { summary: 'once', failOn: { scope: 'all', minConfidence: 'medium' }, threadBudget: 10 },
    });
    expect(await vigil('orgs', 'add', 'octo-two', '--github-token-secret', 'github-octo', '--pr-thread-budget', '500')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--pr-thread-budget: Too big/),
    });
    expect((await vigil('orgs', 'remove', 'octo-org')).code).toBe(0);
  });

  it('lists organizations', async () => {
    await vigil('orgs', 'add', 'fabrikam', '--azure-devops-url', 'https://dev.azure.com/fabrikam', '--auth', 'managed-identity');
    const { organizations } = JSON.parse((await vigil('orgs', 'list', '--json')).stdout) as {
      organizations: Array<{ organization: string }>;
    };
    expect(organizations.map((o) => o.organization)).toEqual(['contoso', 'fabrikam']);
    expect((await vigil('orgs', 'list')).stdout).toMatch(
      /^contoso {2}azure-devops pat {2}2 alert channel\(s\)\nfabrikam {2}azure-devops managed-identity/,
    );
  });

  it.each([
    [['orgs', 'add', 'contoso', '--azure-devops-url', 'https://dev.azure.com/contoso', '--auth', 'managed-identity'], /already exists/],
    [['orgs', 'add', 'x', '--azure-devops-url', 'http://dev.azure.com/x', '--auth', 'managed-identity'], /azureDevOps\.url: an https URL/],
    [['orgs', 'add', 'x', '--azure-devops-url', 'https://dev.azure.com/x', '--auth', 'pat'], /--auth pat needs --token-secret/],
    [
      ['orgs', 'add', 'x', '--azure-devops-url', 'https://dev.azure.com/x', '--auth', 'pat', '--token-secret', 'not a name'],
      /tokenSecret: a vault secret name/,
    ],
    [['orgs', 'add', 'x'], /say how to reach the organization/],
    [['orgs', 'add', 'bad_name!', '--github-token-secret', 'gh'], /invalid organization name/],
    [['orgs', 'channel', 'add', 'contoso', '--type', 'slack', '--url-secret', 's', '--signing-secret', 'k'], /webhook only/],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const run = await vigil(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('records the account id, by which an organization is found as well as by its name', async () => {
    const accountId = 'BBBB1B1B-CC2C-DD3D-EE4E-FFFFFF5F5F5F';
    const added = await vigil(
      'orgs',
      'add',
      'fabrikam-fiber-inc',
      '--azure-devops-url',
      'https://dev.azure.com/fabrikam-fiber-inc',
      '--auth',
      'managed-identity',
      '--account-id',
      accountId,
    );
    expect(added.code).toBe(0);
    const byId = await vigil('orgs', 'show', accountId.toLowerCase(), '--json');
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({
      organization: 'fabrikam-fiber-inc',
      azureDevOps: { accountId: accountId.toLowerCase() },
    });
    expect((await vigil('orgs', 'show', 'fabrikam-fiber-inc')).stdout).toContain(`account id    ${accountId.toLowerCase()}`);
    const unknown = await vigil('orgs', 'show', '00000000-0000-0000-0000-000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /no organization with account id '00000000-0000-0000-0000-000000000000' \(record it: vigil orgs add NAME .* --account-id/,
    );
  });

  it('refuses an account id that is not a GUID', async () => {
    const run = await vigil(
      'orgs',
      'add',
      'northwind',
      '--azure-devops-url',
      'https://dev.azure.com/northwind',
      '--auth',
      'managed-identity',
      '--account-id',
      'northwind',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--account-id 'northwind' is not a GUID/);
  });

  it('removes an organization; showing it afterwards says how to add it', async () => {
    expect((await vigil('orgs', 'remove', 'fabrikam')).code).toBe(0);
    const run = await vigil('orgs', 'show', 'fabrikam');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no organization 'fabrikam' \(add it with: vigil orgs add fabrikam/);
  });
});
