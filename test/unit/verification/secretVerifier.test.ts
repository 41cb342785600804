import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../shared/errors';
import { createScanner } from '../../../shared/scanning';
import {
  createSecretVerifier,
  type SendVerificationRequest,
  type VerificationRequest,
  verificationEndpointsFromEnvironment,
} from '../../../shared/verification';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

const factory = new SecretFactory(7021);
const fingerprintKey = Buffer.from('verifier-unit-fingerprint-key-00');

describe('the secret verifier', () => {
  it('keeps at most the configured number of calls in flight', async () => {
    const tokens = Array.from({ length: 9 }, () => factory.gitHubToken());
    let inFlight = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    const send: SendVerificationRequest = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight--;
      return { status: 200, body: '{}' };
    };
    const verifier = createSecretVerifier({ send, concurrency: 3 });
    const findings = createScanner({ fingerprintKey }).scanText(tokens.map((token) => `GITHUB_TOKEN=${token}`).join('\n'), {
      path: 'x',
      secretSink: verifier.sink,
    });
    const done = verifier.verify(findings);
    // Release the calls one by one as they arrive, until all nine have been made.
    for (let released = 0; released < tokens.length; released++) {
      while (waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
      waiting.shift()?.();
    }
    await done;
    expect(most).toBe(3);
    expect(findings.every((finding) => finding.liveness?.status === 'live')).toBe(true);
  });

  it('forgets the secrets once verified: a second verify asks nothing', async () => {
    const requests: VerificationRequest[] = [];
    const verifier = createSecretVerifier({
      send: async (request) => {
        requests.push(request);
        return { status: 401, body: '' };
      },
    });
    const findings = createScanner({ fingerprintKey }).scanText(`GITHUB_TOKEN=${factory.gitHubToken()}`, {
      path: 'x',
      secretSink: verifier.sink,
    });
    await verifier.verify(findings);
    expect(requests).toHaveLength(1);
    await verifier.verify(findings);
    expect(requests).toHaveLength(1);
  });

  it('reports unknown, without the error text, when a check throws', async () => {
    const token = factory.gitHubToken();
    const verifier = createSecretVerifier({
      send: async () => {
        throw new Error(`boom ${token}`);
      },
    });
    const findings = createScanner({ fingerprintKey }).scanText(`GITHUB_TOKEN=${token}`, { path: 'x', secretSink: verifier.sink });
    const [finding] = await verifier.verify(findings);
    expect(finding.liveness).toEqual({ status: 'unknown', service: 'github', reason: 'the check failed' });
  });

  it('sends the secret only in a header, never in the URL', async () => {
    const requests: VerificationRequest[] = [];
    const secrets = [factory.gitHubToken(), factory.npmToken(), factory.slackBotToken(), factory.azureDevOpsPat(), factory.gitLabToken()];
    const verifier = createSecretVerifier({
      send: async (request) => {
        requests.push(request);
        return { status: 200, body: '{"ok":true}' };
      },
    });
    const text = [
      `GITHUB_TOKEN=${secrets[0]}`,
      `//registry.npmjs.org/:_authToken=${secrets[1]}`,
      `token ${secrets[2]}`,
      `AZURE_DEVOPS_EXT_PAT=${secrets[3]}`,
      `GITLAB_TOKEN=${secrets[4]}`,
    ].join('\n');
    await verifier.verify(createScanner({ fingerprintKey }).scanText(text, { path: 'x', secretSink: verifier.sink }));
    expect(requests).toHaveLength(5);
    for (const request of requests) for (const secret of secrets) expect(request.url).not.toContain(secret);
  });
});

describe('verification endpoints from the environment', () => {
  it('takes https URLs and http ones to this machine', () => {
    expect(
      verificationEndpointsFromEnvironment({
        VIGIL_VERIFY_GITHUB_URL: 'https://github.contoso.com/api/v3',
        VIGIL_VERIFY_NPM_URL: 'http://127.0.0.1:4873',
        VIGIL_VERIFY_AZURE_STORAGE_URL: 'http://localhost:10000/{account}',
      }),
    ).toEqual({
      github: 'https://github.contoso.com/api/v3',
      npm: 'http://127.0.0.1:4873',
      azureStorage: 'http://localhost:10000/{account}',
    });
  });

  it('refuses plain http elsewhere, and a storage URL without {account}', () => {
    expect(() => verificationEndpointsFromEnvironment({ VIGIL_VERIFY_NPM_URL: 'http://registry.example.com' })).toThrow(ConfigurationError);
    expect(() => verificationEndpointsFromEnvironment({ VIGIL_VERIFY_AZURE_STORAGE_URL: 'https://blob.example.com' })).toThrow(
      /\{account\}/,
    );
  });
});
