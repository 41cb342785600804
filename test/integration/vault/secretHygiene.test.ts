import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import { TransientError } from '../../../shared/errors';
import { createLogger, type Logger, scrubSecrets } from '../../../shared/logging/logger';
import { createVault } from '../../../shared/vault/createVault';
import { createLocalVault } from '../../../shared/vault/local/localVault';
import { requireSecret } from '../../../shared/vault/managedVault';
import type { Vault } from '../../../shared/vault/port';
import { createFakeCredential, type KeyVaultServer, startKeyVaultServer } from '../../support/keyVaultServer';

/**
 * Secret hygiene (issue 4, part 5): a token obtained from the vault never reaches a log line, even
 * when a failing call puts it into an error message, a URL, a header or a logged field.
 */
const alphanumeric = (length: number) =>
  Array.from(randomBytes(length), (byte) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[byte % 62]).join('');
/** Synthetic, made for this run; '+' and '/' make its URL encoding differ from it. */
const syntheticToken = () => `${alphanumeric(40)}+/${alphanumeric(12)}`;

/** Every form in which the token could show up in a log line. */
const leakedForms = (token: string) => [
  token,
  encodeURIComponent(token),
  Buffer.from(`:${token}`).toString('base64'),
  Buffer.from(token).toString('base64'),
];

function capturingLoggers() {
  const lines: string[] = [];
  const sink = { write: (line: string) => void lines.push(line) };
  const loggers: Logger[] = [
    createLogger({ level: 'debug', format: 'text', sink }),
    createLogger({ level: 'debug', format: 'json', sink }).child({ component: 'hygiene-test' }),
  ];
  return { loggers, output: () => lines.join('') };
}

/** A use case shaped like the real ones: read the PAT, call Azure DevOps, log the failure. */
async function listProjects(vault: Vault, logger: Logger): Promise<void> {
  const pat = await requireSecret(vault, 'ado-pat-contoso');
  const basic = Buffer.from(`:${pat}`).toString('base64');
  const url = `https://dev.azure.com/contoso/_apis/projects?access_token=${encodeURIComponent(pat)}`;
  try {
    // The kind of error an HTTP client or a careless wrapper produces: it quotes the request.
    throw new Error(`GET ${url} failed with 401; request headers: Authorization: Basic ${basic}; token ${pat} was rejected`);
  } catch (error) {
    logger.debug('request', { url, headers: { authorization: `Basic ${basic}` } });
    logger.error('azure devops call failed', { error, organization: 'contoso', pat });
  }
}

let home: string;
let server: KeyVaultServer | undefined;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'vigil-hygiene-'));
});
afterAll(async () => {
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('secret hygiene', () => {
  it('scrubs a token from the local vault out of every log line of a failing call', async () => {
    const token = syntheticToken();
    const dataDir = join(home, 'local');
    // Planted as an operator would, from another process: nothing in this one knows the value yet.
    await createLocalVault({ dataDir, env: {} }).setSecret('ado-pat-contoso', token);
    expect(scrubSecrets(token)).toBe(token);

    const vault = createVault(loadConfig({ VIGIL_DATA_DIR: dataDir }), { env: {} });
    const { loggers, output } = capturingLoggers();
    for (const logger of loggers) await listProjects(vault, logger);

    expect(output()).toContain('azure devops call failed');
    expect(output()).toContain('***');
    for (const form of leakedForms(token)) expect(output()).not.toContain(form);
  });

  it('scrubs a token from Key Vault out of logs and out of the adapter errors that quote it', async () => {
    const token = syntheticToken();
    const credential = createFakeCredential();
    server = await startKeyVaultServer({ acceptedToken: credential.token });
    server.plant('ado-pat-contoso', token);
    expect(scrubSecrets(token)).toBe(token);

    const config = loadConfig({ VIGIL_DATA_DIR: join(home, 'kv'), KEY_VAULT_URL: server.url });
    expect(config.vaultBackend).toBe('key-vault');
    const vault = createVault(config, {
      env: {},
      credential,
      // Test-only options; see test/integration/vault/keyVault.test.ts for why each is needed.
      keyVaultClientOptions: { tlsOptions: { ca: server.ca }, disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 } },
    });
    const { loggers, output } = capturingLoggers();
    for (const logger of loggers) await listProjects(vault, logger);

    // A vault failure whose service message echoes the token (a misbehaving proxy, say).
    server.failNext({ status: 500, code: 'InternalServerError', message: `upstream rejected credential ${token}` });
    const failure = await vault.getSecret('github-token-contoso').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toContain('upstream rejected credential ***');
    for (const logger of loggers) logger.warn('vault read failed', { error: failure });

    expect(output()).toContain('***');
    for (const form of leakedForms(token)) expect(output()).not.toContain(form);
  });
});
