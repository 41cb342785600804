import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import examples from '@octokit/webhooks-examples';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import type { UseCaseContext } from '../../../shared/app/useCase';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import type { CiRunScanRecord } from '../../../shared/ci/scanCiRun';
import { scanGitHubWorkflowRun } from '../../../shared/ci/scanGitHubWorkflowRun';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { githubSource } from '../../../shared/events/sources/github';
import { createLogger } from '../../../shared/logging/logger';
import type { Risk } from '../../../shared/risks/risk';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type GitHubApiServer, startGitHubApiServer } from '../../support/githubApiServer';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * A finished GitHub Actions run through the build-scan use case: the envelope the webhook makes
 * of GitHub's own `workflow_run.completed` example is handed to `scanGitHubWorkflowRun`, which re-reads the
 * run from a loopback GitHub with the real Octokit, streams every job's log through the engine,
 * and files the leaked token as one risk on the workflow, redacted. The same event again adds
 * nothing; a rate limit reschedules the event for when GitHub said.
 */
const seed = Number.parseInt(randomBytes(3).toString('hex'), 16);
const apiToken = new SecretFactory(seed).gitHubToken();
const leaked = new SecretFactory(seed + 1).gitHubToken('ghs_');
const runId = 1589141559;
const leakingJob = 2002;

let github: GitHubApiServer;
let services: AppServices;
let dataDir: string;
const logLines: string[] = [];

/** The run as GitHub's webhook example describes it, finished and with our ids. */
function workflowRunEnvelope(deliveryId: string): EventEnvelope {
  const sample = (examples as Array<{ name: string; examples: Array<Record<string, unknown>> }>)
    .find((event) => event.name === 'workflow_run')!
    .examples.find(
      (example) => example.action === 'completed' && (example.repository as { full_name?: string }).full_name === 'octo-org/octo-repo',
    )!;
  const payload = structuredClone(sample) as { workflow_run: Record<string, unknown> };
  payload.workflow_run = { ...payload.workflow_run, id: runId, status: 'completed', conclusion: 'success' };
  const extracted = githubSource.extractors['workflow_run.completed'](payload as Record<string, unknown>);
  return { id: deliveryId, source: 'github', type: 'workflow_run.completed', ...extracted, receivedAt: '2026-11-20T10:00:00.000Z' };
}

function context(): UseCaseContext {
  return { services, logger: services.logger, functionName: 'scanBuild' };
}

async function risks(): Promise<Risk[]> {
  return await services.stores.risks.list({ organization: 'octo-org' });
}

async function announced(): Promise<number> {
  let total = 0;
  for (const queue of ['alerts', 'workitem-sync'] as const) {
    const counts = await services.queue.counts(queue);
    total += counts.active + counts.scheduled;
  }
  return total;
}

beforeAll(async () => {
  github = await startGitHubApiServer({
    token: apiToken,
    runs: [
      {
        id: runId,
        repository: 'octo-org/octo-repo',
        workflowId: 16340987,
        workflowName: 'CI',
        runNumber: 36,
        jobs: [
          { id: 2001, name: 'lint', sizeBytes: 150_000 },
          {
            id: leakingJob,
            name: 'publish',
            content: `2026-11-20T09:59:01.0000000Z ##[group]Run ./publish.sh\n2026-11-20T09:59:02.0000000Z export GH_TOKEN=${leaked}\n2026-11-20T09:59:03.0000000Z done\n`,
          },
          { id: 2003, name: 'deploy', conclusion: 'skipped' },
        ],
      },
    ],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-github-scan-'));
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_GITHUB_API_URL: github.url, VIGIL_SECRET_GITHUB_TOKEN_OCTO_ORG: apiToken };
  services = await createAppServices(loadConfig(env), {
    logger: createLogger({ level: 'debug', format: 'json', sink: { write: (line) => logLines.push(line) } }),
    vault: createEnvironmentVault(env),
  });
  await services.stores.organizations.add('octo-org', {
    github: { tokenSecret: 'github-token-octo-org' },
  });
});

afterAll(async () => {
  await services?.close();
  await github?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a finished GitHub Actions workflow run', () => {
  it('has every job log scanned and the leaked token filed as one redacted risk on the workflow', async () => {
    const record = (await scanGitHubWorkflowRun(workflowRunEnvelope('72d3162e-cc78-11e3-81ab-4c9367dc0958'), context())) as CiRunScanRecord;

    expect(record).toMatchObject({
      organization: 'octo-org',
      kind: 'build',
      provider: 'github-actions',
      repository: 'octo-org/octo-repo',
      runId: String(runId),
      runNumber: '36',
      pipeline: 'octo-repo / CI',
      logsScanned: 2,
      findings: 1,
      risksOpened: 1,
    });
    expect(record.bytesScanned).toBeGreaterThan(150_000);

    const [risk, ...others] = await risks();
    expect(others).toHaveLength(0);
    expect(risk).toMatchObject({
      kind: 'leaked-secret',
      status: 'open',
      occurrences: 1,
      asset: { id: 'workflow:octo-org/octo-repo:16340987', name: 'octo-repo / CI', type: 'pipeline' },
      evidence: {
        location: `run #36 / job ${leakingJob} (publish) line 2`,
        url: `https://github.com/octo-org/octo-repo/actions/runs/${runId}/job/${leakingJob}`,
      },
    });
    expect(risk.evidence.redacted).toMatch(/^ghs_\*+/);
    expect(risk.evidence.redacted).not.toContain(leaked.slice(4, -4));
    expect(await announced()).toBeGreaterThan(0);

    // The skipped job was never asked for; each log was fetched once, without the API token.
    expect(github.callsTo('/actions/jobs/2003')).toHaveLength(0);
    expect(github.callsTo('/_blob/job-logs/').map((c) => [c.path, c.authorization])).toEqual([
      ['/_blob/job-logs/2001', undefined],
      [`/_blob/job-logs/${leakingJob}`, undefined],
    ]);
  });

  it('records nothing new when the same event is scanned again', async () => {
    const before = await announced();
    const record = (await scanGitHubWorkflowRun(workflowRunEnvelope('72d3162e-cc78-11e3-81ab-4c9367dc0958'), context())) as CiRunScanRecord;
    expect(record).toMatchObject({ findings: 1, risksOpened: 0 });
    const all = await risks();
    expect(all).toHaveLength(1);
    expect(all[0].occurrences).toBe(1);
    expect(await announced()).toBe(before);
    const scans = (await services.stores.scans.query({ where: { organization: 'octo-org' } })).items;
    expect(scans.map((scan) => scan.id)).toEqual([`github-actions:run:${runId}`]);
  });

  it('scans only the finished job for a workflow_job event, counting nothing twice', async () => {
    const envelope: EventEnvelope = {
      ...workflowRunEnvelope('job-delivery-1'),
      type: 'workflow_job.completed',
      subject: { repository: 'octo-org/octo-repo', repositoryId: 396980812, runId, jobId: leakingJob },
    };
    const logCalls = github.callsTo('/_blob/job-logs/').length;
    const record = (await scanGitHubWorkflowRun(envelope, context())) as CiRunScanRecord;
    expect(record).toMatchObject({
      id: `github-actions:run:${runId}:log:${leakingJob}`,
      logId: String(leakingJob),
      logsScanned: 1,
      findings: 1,
      risksOpened: 0,
    });
    expect(
      github
        .callsTo('/_blob/job-logs/')
        .slice(logCalls)
        .map((c) => c.path),
    ).toEqual([`/_blob/job-logs/${leakingJob}`]);
    expect((await risks())[0].occurrences).toBe(1);
  });

  it('reschedules the event for when GitHub says, when GitHub rate-limits the scan', async () => {
    github.injectFault({ path: `/actions/runs/${runId}`, status: 429, retryAfterSeconds: 120, times: 1 });
    const before = await services.queue.counts('build-scan');
    const outcome = await handleQueueMessage(
      {
        functionName: 'scanBuild',
        queue: 'build-scan',
        body: workflowRunEnvelope('rate-limited-delivery'),
        messageId: 'rate-limited-delivery',
        deliveryCount: 1,
      },
      services,
    );
    expect(outcome).toBe('rescheduled');
    expect((await services.queue.counts('build-scan')).scheduled).toBe(before.scheduled + 1);
  });

  it('parks the event with the organization and secret named when GitHub refuses the token', async () => {
    github.injectFault({ path: `/actions/runs/${runId}`, status: 401, times: 1 });
    const outcome = await handleQueueMessage(
      {
        functionName: 'scanBuild',
        queue: 'build-scan',
        body: workflowRunEnvelope('refused-token-delivery'),
        messageId: 'refused-token-delivery',
        deliveryCount: 1,
      },
      services,
    );
    expect(outcome).toBe('parked');
    const parked = (await services.stores.parked.query({ where: { queue: 'build-scan' } })).items;
    expect(parked.map((p) => p.reason)).toContainEqual(
      expect.stringMatching(/GitHub rejected the token for organization 'octo-org' \(secret 'github-token-octo-org'; HTTP 401\)/),
    );
  });

  it('refuses an event whose repository belongs to another owner than its organization', async () => {
    const envelope: EventEnvelope = { ...workflowRunEnvelope('other-owner'), subject: { repository: 'someone-else/octo-repo', runId } };
    await expect(scanGitHubWorkflowRun(envelope, context())).rejects.toThrow(/names repository 'someone-else\/octo-repo' of another owner/);
  });

  it('never stores or logs the leaked token or the API token', async () => {
    const everything = [
      ...logLines,
      JSON.stringify(await services.stores.risks.list()),
      JSON.stringify((await services.stores.scans.query({})).items),
      JSON.stringify((await services.stores.parked.query({})).items),
    ].join('\n');
    expect(everything).not.toContain(leaked);
    expect(everything).not.toContain(apiToken);
  });
});
