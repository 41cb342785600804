import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import type { UseCaseContext } from '../../../shared/app/useCase';
import type { CiRunScanRecord } from '../../../shared/ci/scanCiRun';
import { scanGitHubWorkflowRun } from '../../../shared/ci/scanGitHubWorkflowRun';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type GitHubApiServer, startGitHubApiServer } from '../../support/githubApiServer';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * An organization with `verification.enabled`: the build-log scan asks GitHub (the loopback one,
 * through VIGIL_VERIFY_GITHUB_URL) whether each leaked token works and its risk records the answer.
 * The token Vigil itself reads the run with is the one that leaked (live); another is dead.
 */
const factory = new SecretFactory(7022);
const apiToken = factory.gitHubToken();
const deadToken = factory.gitHubToken('ghs_');
const runId = 4242;

let github: GitHubApiServer;
let services: AppServices;
let dataDir: string;
const logLines: string[] = [];

function envelope(): EventEnvelope {
  return {
    id: 'verify-run-4242',
    source: 'github',
    type: 'workflow_run.completed',
    organization: 'octo-org',
    subject: { repository: 'octo-org/octo-repo', runId },
    receivedAt: '2026-12-07T10:00:00.000Z',
  } as unknown as EventEnvelope;
}

beforeAll(async () => {
  github = await startGitHubApiServer({
    token: apiToken,
    extensions: [
      {
        handle: (request, res) => {
          if (request.url.pathname !== '/rate_limit') return false;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"resources":{}}');
          return true;
        },
      },
    ],
    runs: [
      {
        id: runId,
        repository: 'octo-org/octo-repo',
        workflowId: 77,
        workflowName: 'CI',
        runNumber: 9,
        jobs: [
          {
            id: 9001,
            name: 'publish',
            content: `2026-12-07T09:59:01.0000000Z export GH_TOKEN=${apiToken}\n2026-12-07T09:59:02.0000000Z export OLD_TOKEN=${deadToken}\n`,
          },
        ],
      },
    ],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-verify-scan-'));
  const env = {
    VIGIL_DATA_DIR: dataDir,
    VIGIL_GITHUB_API_URL: github.url,
    VIGIL_SECRET_GITHUB_TOKEN_OCTO_ORG: apiToken,
    VIGIL_VERIFY_GITHUB_URL: github.url,
  };
  services = await createAppServices(loadConfig(env), {
    logger: createLogger({ level: 'debug', format: 'json', sink: { write: (line) => logLines.push(line) } }),
    vault: createEnvironmentVault(env),
  });
  await services.stores.organizations.add('octo-org', {
    github: { tokenSecret: 'github-token-octo-org' },
    verification: { enabled: true },
  });
});

afterAll(async () => {
  await services?.close();
  await github?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('build-log scans of an organization that verifies', () => {
  it('record on each risk whether its leaked token is live', async () => {
    const context: UseCaseContext = { services, logger: services.logger, functionName: 'scanBuild' };
    const record = (await scanGitHubWorkflowRun(envelope(), context)) as CiRunScanRecord;
    expect(record.findings).toBe(2);
    const risks = await services.stores.risks.list({ organization: 'octo-org' });
    const byLine = Object.fromEntries(risks.map((risk) => [risk.evidence.location.split(' line ')[1], risk.evidence.liveness]));
    expect(byLine).toEqual({ '1': { status: 'live', service: 'github' }, '2': { status: 'revoked', service: 'github' } });
    expect(github.callsTo('/rate_limit')).toHaveLength(2);
    const stored = JSON.stringify(risks) + logLines.join('\n');
    expect(stored).not.toContain(apiToken);
    expect(stored).not.toContain(deadToken);
  });
});
