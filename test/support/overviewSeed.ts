import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RepositoryAsset } from '../../shared/repositories/assets/asset';
import { triageRisk } from '../../shared/risks';
import { queuesSettled } from './alertReceiver';
import { genericEndpoint, ServiceConnectionRoutes } from './azureDevOps/serviceConnectionRoutes';
import { type AzureDevOpsServer, type LoopbackBuild, startAzureDevOpsServer } from './azureDevOpsServer';
import { SecretFactory } from './scanning/syntheticSecrets';
import { startTestHost, type TestHost } from './testHost';
import { azureDevOpsHeaders, post } from './webhookClient';

/**
 * A local host with something to show on the overview, seeded the way production gets its data:
 * `build.complete` deliveries through the real webhook, builds and logs re-fetched from the loopback
 * Azure DevOps, the audit of its service connections, one risk resolved by a person, one delivery
 * parked. Repositories are written to the store (an inventory needs a code host this seed lacks).
 * Every secret is made at run time and returned, so a test can check none of them is ever shown.
 * One function, so the demo's sequence can take its place later.
 */
export interface OverviewSeed {
  host: TestHost;
  devops: AzureDevOpsServer;
  organization: string;
  /** Every planted secret (leaked in logs, returned by the service connection API) and the PAT. */
  secrets: string[];
  dispose(): Promise<void>;
}

const organization = 'fabrikamfiber';
const project = '33dd33dd-ee44-ff55-aa66-77bb77bb77bb';
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'), 'utf8');

export async function seedOverview(): Promise<OverviewSeed> {
  const factory = new SecretFactory(2020);
  const pat = `test-pat-${randomBytes(12).toString('hex')}`;
  const gitHubToken = factory.gitHubToken();
  const awsKey = factory.awsAccessKeyId();
  const awsSecret = factory.awsSecretAccessKey();
  const slackToken = factory.slackBotToken();
  const adoPat = factory.azureDevOpsPat();
  const connectionPassword = factory.password();
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const line = (text: string) => `2026-12-01T10:00:01.0000000Z ${text}\n`;
  const pipelines = [
    { id: 11, name: 'web-release' },
    { id: 12, name: 'api-ci' },
    { id: 13, name: 'nightly-infra' },
  ];
  const builds: LoopbackBuild[] = [
    { log: line(`export GITHUB_TOKEN=${gitHubToken}`), pipeline: 0, minutes: 7, result: 'succeeded' },
    {
      // A PAT in a git auth header, base64 as git sends it.
      log: line(`git -c http.extraheader="AUTHORIZATION: basic ${Buffer.from(`:${adoPat}`).toString('base64')}" fetch`),
      pipeline: 1,
      minutes: 3,
      result: 'failed',
    },
    {
      log: `${line('##[group]Environment')}${line(`AWS_ACCESS_KEY_ID=${awsKey}`)}${line(`AWS_SECRET_ACCESS_KEY=${awsSecret}`)}`,
      pipeline: 2,
      minutes: 42,
      result: 'succeeded',
    },
    { log: line('npm test: 120 passed'), pipeline: 1, minutes: 4, result: 'succeeded' },
    {
      log: line(`curl -H "Authorization: Bearer ${slackToken}" https://slack.com/api/chat.postMessage`),
      pipeline: 0,
      minutes: 9,
      result: 'succeeded',
    },
    { log: line('deploy finished'), pipeline: 0, minutes: 6, result: 'succeeded' },
  ].map((build, i) => ({
    id: 5001 + i,
    project,
    result: build.result,
    definition: pipelines[build.pipeline],
    startTime: at(240 - i * 30 + build.minutes),
    finishTime: at(240 - i * 30),
    logs: [{ id: 1, content: build.log }],
  }));
  const devops = await startAzureDevOpsServer({
    organization,
    pat,
    projects: [{ id: project, name: 'FabrikamFiberChat' }],
    extensions: [
      new ServiceConnectionRoutes([
        {
          // Open to every pipeline, and an API that returns its password: the audit must never show it.
          endpoint: genericEndpoint({
            id: 'e0e0e0e0-0000-4000-8000-000000000001',
            name: 'legacy-deploy',
            secret: connectionPassword,
            projects: [project],
          }),
          allPipelines: true,
          executions: [{ finishTime: at(60) }],
        },
      ]),
    ],
    builds,
  });
  const host = await startTestHost({ env: { VIGIL_SECRET_ADO_PAT_FABRIKAMFIBER: pat } });
  try {
    await host.services.stores.organizations.add(organization, {
      azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikamfiber' } },
    });
    for (const build of builds) {
      const payload = JSON.parse(fixture) as { id: string; resource: { id: number } };
      payload.id = `overview-seed-${build.id}`;
      payload.resource.id = build.id;
      const answer = await post(host.url('/hooks/azure-devops'), JSON.stringify(payload), azureDevOpsHeaders());
      if (answer.status !== 202) throw new Error(`the seed's delivery of build ${build.id} was answered ${answer.status}`);
      await queuesSettled(host);
    }
    // A build of an organization Vigil does not know: parked, with the command that fixes it.
    const stranger = JSON.parse(fixture) as { id: string; resourceContainers: Record<string, { baseUrl: string }> };
    stranger.id = 'overview-seed-unknown-org';
    for (const container of Object.values(stranger.resourceContainers)) container.baseUrl = 'https://dev.azure.com/Northwind/';
    await post(host.url('/hooks/azure-devops'), JSON.stringify(stranger), azureDevOpsHeaders());
    await queuesSettled(host);

    // A person resolves the first leak (the token was rotated).
    const leaks = await host.services.stores.risks.list({ organization, kind: 'leaked-secret' });
    const first = leaks.find((risk) => risk.ruleId.includes('github')) ?? leaks[0];
    if (first) {
      await triageRisk(
        { risks: host.services.stores.risks, queue: host.services.queue, clock: host.services.clock },
        organization,
        first.id,
        {
          status: 'resolved',
          reason: 'token rotated',
          by: 'Dana Reyes',
          source: 'cli',
        },
      );
      await queuesSettled(host);
    }
    for (const [i, name] of ['payments', 'web', 'docs'].entries()) await host.services.stores.assets.upsert(repository(name, i));
    return {
      host,
      devops,
      organization,
      secrets: [pat, gitHubToken, awsKey, awsSecret, slackToken, adoPat, connectionPassword],
      async dispose() {
        await host.dispose();
        await devops.close();
      },
    };
  } catch (error) {
    await host.dispose();
    await devops.close();
    throw error;
  }
}

function repository(name: string, i: number): RepositoryAsset {
  const score = [72, 35, 0][i] ?? 0;
  return {
    id: `repository:${name}-id`,
    organization,
    type: 'repository',
    repositoryId: `${name}-id`,
    name,
    project: 'FabrikamFiberChat',
    projectId: project,
    projectVisibility: 'private',
    defaultBranch: 'refs/heads/main',
    size: 1000 * (i + 1),
    state: 'active',
    firstSeenAt: '2026-11-01T00:00:00.000Z',
    lastInventoriedAt: '2026-12-01T00:00:00.000Z',
    riskScore: {
      score,
      openRisks: score > 0 ? 3 - i : 0,
      factors: score > 0 ? [{ name: 'open critical risks', value: score, why: `${3 - i} open leaked secret(s) in its content` }] : [],
      computedAt: '2026-12-01T00:00:00.000Z',
    },
  };
}
