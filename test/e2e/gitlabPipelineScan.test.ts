import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiRunScanRecord } from '../../shared/ci/scanCiRun';
import { type AlertReceiver, queuesSettled, startAlertReceiver } from '../support/alertReceiver';
import { GitLabPipelineRoutes } from '../support/gitlab/pipelineRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from '../support/gitlabApiServer';
import { LoopbackGitHistory } from '../support/loopbackGitHistory';
import { recordedRequestText } from '../support/recordedRequests';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';
import { gitlabHeaders, post } from '../support/webhookClient';

/**
 * A finished GitLab CI pipeline, end to end through the local host: GitLab's `Pipeline Hook`
 * (the recorded payload shape, test/fixtures/gitlab/pipeline.success.json) is posted to the real
 * webhook, the build-scan handler re-reads the pipeline and its jobs from a loopback GitLab with
 * the real gitbeaker, streams each job's trace through the engine, files the leaked token as one
 * redacted risk on the project's pipeline and sends one signed alert. Redeliveries, a second hook
 * for the same pipeline and a running pipeline add nothing; no token reaches anything recorded.
 */
const projectId = 1;
const projectPath = 'contoso/gitlab-test';
const pipelineId = 31;
const apiToken = `glpat-${randomBytes(10).toString('hex')}`;
const leaked = new SecretFactory(2121).gitHubToken();
const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'gitlab', 'pipeline.success.json'), 'utf8');

const history = new LoopbackGitHistory(
  [
    {
      sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      author: { name: 'Dev', email: 'dev@example.com', date: '2026-11-20T09:00:00+00:00' },
      parent: null,
      changes: { 'README.md': '# Test\n' },
    },
  ],
  { main: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2' },
);
const project: LoopbackGitLabProject = { id: projectId, pathWithNamespace: projectPath, defaultBranch: 'main', history };

let gitlab: GitLabApiServer;
let pipelines: GitLabPipelineRoutes;
let host: TestHost;
let receiver: AlertReceiver;
const settled = () => queuesSettled(host);

beforeAll(async () => {
  pipelines = new GitLabPipelineRoutes({
    projects: [project],
    pipelines: [
      {
        projectId,
        id: pipelineId,
        iid: 3,
        ref: 'main',
        jobs: [
          { id: 378, name: 'build', stage: 'build', sizeBytes: 300_000 },
          { id: 377, name: 'test', stage: 'test', retried: true, trace: `export GITHUB_TOKEN=${leaked}\n` },
          {
            id: 379,
            name: 'test',
            stage: 'test',
            status: 'failed',
            trace: `\u001b[0KRunning with gitlab-runner 17.5.0\n$ ./deploy.sh\nexport GITHUB_TOKEN=${leaked}\nERROR: Job failed: exit code 1\n`,
          },
          { id: 380, name: 'production', stage: 'deploy', status: 'manual' },
          { id: 381, name: 'cleanup', stage: 'deploy', status: 'skipped' },
        ],
      },
      { projectId, id: 32, ref: 'main', status: 'running', jobs: [{ id: 390, name: 'build', status: 'running', trace: 'building\n' }] },
    ],
  });
  gitlab = await startGitLabApiServer({ token: apiToken, projects: [project], extensions: [pipelines] });
  receiver = await startAlertReceiver();
  host = await startTestHost({
    env: {
      VIGIL_SECRET_GITLAB_CONTOSO: apiToken,
      VIGIL_SECRET_ALERT_HOOK_URL: receiver.url,
      VIGIL_SECRET_ALERT_HOOK_KEY: signingSecret,
    },
  });
  await host.services.stores.organizations.add('contoso', { gitlab: { url: gitlab.url, tokenSecret: 'gitlab-contoso' } });
  await host.services.stores.organizations.addChannel('contoso', {
    type: 'webhook',
    urlSecret: 'alert-hook-url',
    signingSecret: 'alert-hook-key',
  });
});

afterAll(async () => {
  await host?.dispose();
  await gitlab?.close();
  await receiver?.close();
});

async function scans(): Promise<CiRunScanRecord[]> {
  return (await host.services.stores.scans.query({ where: { organization: 'contoso' } })).items as unknown as CiRunScanRecord[];
}

describe('a finished GitLab CI pipeline', () => {
  it('has every job that ran scanned, the leaked token filed as one redacted risk and one signed alert sent', async () => {
    const alerted = receiver.next();
    const response = await post(host.url('/hooks/gitlab'), fixture, gitlabHeaders(fixture, { uuid: 'pipeline-31-success' }));
    expect(response).toMatchObject({ status: 202, body: { queues: ['build-scan'] } });
    await alerted;
    await settled();

    const [risk, ...others] = await host.services.stores.risks.list({ organization: 'contoso' });
    expect(others).toHaveLength(0);
    expect(risk).toMatchObject({
      kind: 'leaked-secret',
      status: 'open',
      occurrences: 1,
      asset: { id: `gitlab-ci:${projectPath}`, name: 'gitlab-test / GitLab CI', type: 'pipeline' },
      evidence: { location: `pipeline #${pipelineId} / job 379 (test) line 3`, url: `${gitlab.url}/${projectPath}/-/jobs/379` },
    });
    expect(risk.evidence.redacted).not.toContain(leaked.slice(4, -4));

    expect(await scans()).toEqual([
      expect.objectContaining({
        id: `gitlab-ci:pipeline:${pipelineId}`,
        kind: 'build',
        provider: 'gitlab-ci',
        repository: projectPath,
        runId: String(pipelineId),
        pipeline: 'gitlab-test / GitLab CI',
        logsScanned: 2,
        findings: 1,
        risksOpened: 1,
      }),
    ]);
    expect((await scans())[0].bytesScanned).toBeGreaterThan(300_000);
    // The latest attempt of each job that ran, each trace read once: not the retried attempt, not the manual or skipped job.
    expect(pipelines.traceReads).toEqual([379, 378]);
    expect(receiver.alerts).toHaveLength(1);
    expect(() => new Webhook(signingSecret).verify(receiver.alerts[0].body, receiver.alerts[0].headers)).not.toThrow();
  });

  it('does nothing new when GitLab redelivers the hook, or sends another for the same pipeline', async () => {
    const again = await post(host.url('/hooks/gitlab'), fixture, gitlabHeaders(fixture, { uuid: 'pipeline-31-success' }));
    expect(again.body).toMatchObject({ duplicate: true });
    // A job retried by hand makes GitLab send the pipeline's hook again, with a new event id.
    const retried = await post(host.url('/hooks/gitlab'), fixture, gitlabHeaders(fixture, { uuid: 'pipeline-31-success-again' }));
    expect(retried.body).toMatchObject({ queues: ['build-scan'] });
    await settled();
    const [risk] = await host.services.stores.risks.list({ organization: 'contoso' });
    expect(risk.occurrences).toBe(1);
    expect(receiver.alerts).toHaveLength(1);
    expect((await scans()).map((scan) => [scan.id, scan.risksOpened])).toEqual([[`gitlab-ci:pipeline:${pipelineId}`, 0]]);
  });

  it('reads nothing for a pipeline that is still running', async () => {
    const payload = JSON.parse(fixture) as { object_attributes: Record<string, unknown> };
    payload.object_attributes = { ...payload.object_attributes, id: 32, status: 'running' };
    const body = JSON.stringify(payload);
    const calls = gitlab.calls.length;
    const response = await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { uuid: 'pipeline-32-running' }));
    expect(response.body).toMatchObject({
      queues: [],
      ignored: 'only finished pipelines (success, failed, canceled) have job logs to scan',
    });
    await settled();
    expect(gitlab.calls.length).toBe(calls);
  });

  it('never stores, logs, alerts or sends the leaked token, and sends the API token only to GitLab', async () => {
    const everything = [
      ...host.logLines,
      ...receiver.alerts.map((a) => a.body),
      JSON.stringify(await host.services.stores.risks.list()),
      JSON.stringify((await host.services.stores.scans.query({})).items),
      recordedRequestText(gitlab.calls),
    ].join('\n');
    expect(everything).not.toContain(leaked);
    expect(everything).not.toContain(apiToken);
    expect(new Set(gitlab.receivedTokens)).toEqual(new Set([apiToken]));
  });
});
