import type * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScanner, type Finding, toJsonReport } from '../../../shared/scanning';
import { createSecretVerifier, type VerificationEndpoints } from '../../../shared/verification';
import { type AzureDevOpsServer, sendJson, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { type GitHubApiServer, startGitHubApiServer } from '../../support/githubApiServer';
import { type GitLabApiServer, startGitLabApiServer } from '../../support/gitlabApiServer';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';
import {
  type LoopbackService,
  startAzureStorageServer,
  startNpmRegistryServer,
  startSilentServer,
  startSlackServer,
  startTrapServer,
} from '../../support/verification/verificationServers';

/**
 * `vigil scan --verify` against loopback services: each found credential is checked once, at its
 * service's configured endpoint only, and comes back live, revoked or unknown with a reason.
 */
const factory = new SecretFactory(7019);
const live = {
  github: factory.gitHubToken(),
  gitlab: factory.gitLabToken(),
  azureDevOps: factory.azureDevOpsPat(),
  slack: factory.slackBotToken(),
  npm: factory.npmToken(),
  storageKey: factory.azureStorageKey(),
};
const revoked = {
  github: factory.gitHubToken(),
  gitlab: factory.gitLabToken(),
  azureDevOps: factory.azureDevOpsPat(),
  slack: factory.slackBotToken(),
  npm: factory.npmToken(),
  storageKey: factory.azureStorageKey(),
};

let github: GitHubApiServer;
let gitlab: GitLabApiServer;
let azureDevOps: AzureDevOpsServer;
let slack: LoopbackService;
let npm: LoopbackService;
let storage: LoopbackService;
let trap: LoopbackService;
let endpoints: VerificationEndpoints;

function answer(res: http.ServerResponse, body: unknown): true {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

beforeAll(async () => {
  github = await startGitHubApiServer({
    token: live.github,
    extensions: [
      { handle: (request, res) => request.url.pathname === '/rate_limit' && answer(res, { resources: { core: { limit: 5000 } } }) },
    ],
  });
  gitlab = await startGitLabApiServer({
    token: live.gitlab,
    projects: [],
    extensions: [
      { handle: (request, res) => request.path === '/personal_access_tokens/self' && answer(res, { id: 1, name: 'ci', active: true }) },
    ],
  });
  azureDevOps = await startAzureDevOpsServer({
    organization: 'contoso',
    pat: live.azureDevOps,
    unauthenticatedAnswer: 203,
    extensions: [
      {
        handle: (request, res) => {
          if (request.route !== '/_apis/profile/profiles/me') return false;
          sendJson(res, 200, { id: 'aaaaaaaa-0000-4000-8000-000000000009', displayName: 'Build Agent' });
          return true;
        },
      },
    ],
  });
  slack = await startSlackServer({ liveTokens: [live.slack], revokedTokens: [revoked.slack] });
  npm = await startNpmRegistryServer({ liveTokens: [live.npm] });
  storage = await startAzureStorageServer({ accounts: { stlive: live.storageKey, strotated: factory.azureStorageKey() } });
  trap = await startTrapServer();
  endpoints = {
    github: github.url,
    gitlab: gitlab.url,
    azureDevOps: azureDevOps.url,
    slack: slack.url,
    npm: npm.url,
    azureStorage: `${storage.url}/{account}`,
  };
});

afterAll(async () => {
  await Promise.all([github, gitlab, azureDevOps, slack, npm, storage, trap].map((server) => server?.close()));
});

async function scanAndVerify(text: string, options: { endpoints?: Partial<VerificationEndpoints>; timeoutMs?: number } = {}) {
  const verifier = createSecretVerifier({ endpoints: options.endpoints ?? endpoints, timeoutMs: options.timeoutMs });
  const scanner = createScanner({ fingerprintKey: Buffer.from('verification-test-fingerprint-k') });
  return verifier.verify(scanner.scanText(text, { path: 'build.log', secretSink: verifier.sink }));
}

const trapHost = () => new URL(trap.url).host;

function logWith(secrets: typeof live, storageAccount: string): string {
  return [
    `remote: https://x-access-token:${secrets.github}@${trapHost()}/contoso/app.git`,
    `git clone https://oauth2:${secrets.gitlab}@${trapHost()}/contoso/infra.git`,
    `export AZURE_DEVOPS_EXT_PAT=${secrets.azureDevOps}`,
    `Posting build status with token ${secrets.slack}`,
    `npm config set //${trapHost()}/:_authToken=${secrets.npm}`,
    `DefaultEndpointsProtocol=https;AccountName=${storageAccount};AccountKey=${secrets.storageKey};BlobEndpoint=${trap.url}/;EndpointSuffix=${trapHost()}`,
  ].join('\n');
}

const byRule = (findings: readonly Finding[]) => Object.fromEntries(findings.map((finding) => [finding.ruleId, finding.liveness]));

describe('verification of found credentials', () => {
  it('reports working credentials as live, each checked at its own service', async () => {
    const findings = await scanAndVerify(logWith(live, 'stlive'));
    expect(byRule(findings)).toEqual({
      'github-pat': { status: 'live', service: 'github' },
      'gitlab-pat': { status: 'live', service: 'gitlab' },
      'azure-devops-pat': { status: 'live', service: 'azure-devops' },
      'slack-bot-token': { status: 'live', service: 'slack' },
      'npm-access-token': { status: 'live', service: 'npm' },
      'azure-storage-account-key': { status: 'live', service: 'azure-storage' },
    });
  });

  it('reports revoked and rotated credentials as revoked', async () => {
    const findings = await scanAndVerify(logWith(revoked, 'strotated'));
    expect(Object.values(byRule(findings)).map((liveness) => liveness?.status)).toEqual(Array(6).fill('revoked'));
  });

  it('never sends a request to a host, endpoint or registry named in the scanned text', async () => {
    await scanAndVerify(logWith(live, 'stlive'));
    await scanAndVerify(logWith(revoked, 'strotated'));
    expect(trap.calls).toEqual([]);
  });

  it('puts live credentials first, and asks once about a secret found many times', async () => {
    const before = github.callsTo('/rate_limit').length;
    const text = [
      `GITHUB_TOKEN=${revoked.github}`,
      `retrying with ${revoked.github}`,
      `npm config set //registry.npmjs.org/:_authToken=${live.npm}`,
      `GITHUB_TOKEN=${revoked.github}`,
    ].join('\n');
    const findings = await scanAndVerify(text);
    expect(findings.map((finding) => [finding.line, finding.liveness?.status])).toEqual([
      [3, 'live'],
      [1, 'revoked'],
      [2, 'revoked'],
      [4, 'revoked'],
    ]);
    expect(github.callsTo('/rate_limit').length - before).toBe(1);
  });

  it('reports unknown with the reason when the service cannot be reached or does not answer', async () => {
    const silent = await startSilentServer();
    const closed = await startTrapServer();
    await closed.close();
    try {
      const findings = await scanAndVerify(`GITHUB_TOKEN=${live.github}\nnpm config set //registry.npmjs.org/:_authToken=${live.npm}`, {
        endpoints: { ...endpoints, github: closed.url, npm: silent.url },
        timeoutMs: 300,
      });
      expect(byRule(findings)).toEqual({
        'github-pat': { status: 'unknown', service: 'github', reason: 'network failure (ECONNREFUSED)' },
        'npm-access-token': { status: 'unknown', service: 'npm', reason: 'no answer within 0.3 s' },
      });
    } finally {
      await silent.close();
    }
  });

  it('reports unknown for a storage key with no account name beside it, without asking anyone', async () => {
    const before = storage.calls.length;
    const findings = await scanAndVerify(`key: ${live.storageKey}`);
    expect(findings[0].liveness).toEqual({
      status: 'unknown',
      service: 'azure-storage',
      reason: 'no storage account name (AccountName=) on the line of the key',
    });
    expect(storage.calls.length).toBe(before);
  });

  it('keeps the secrets out of findings, reports and reasons', async () => {
    const findings = await scanAndVerify(logWith(live, 'stlive'));
    const report = toJsonReport(findings, { bytes: 0, files: 1, durationMs: 0 });
    for (const secret of Object.values(live)) expect(report).not.toContain(secret);
    for (const finding of findings) expect(JSON.stringify(finding)).not.toContain(live.storageKey);
  });

  it('sends each credential to its own service only', async () => {
    await scanAndVerify(logWith(live, 'stlive'));
    const received = (calls: readonly { headers: http.IncomingHttpHeaders }[]) => JSON.stringify(calls.map((call) => call.headers));
    expect(received(slack.calls)).not.toContain(live.npm);
    expect(received(npm.calls)).not.toContain(live.slack);
    expect(received(storage.calls)).not.toContain(live.storageKey);
    expect(github.calls.map((call) => call.authorization ?? '').join()).not.toContain(live.gitlab);
  });
});
