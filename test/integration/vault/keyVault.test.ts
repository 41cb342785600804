import { randomBytes } from 'node:crypto';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, PermanentError, ThrottledError, TransientError } from '../../../shared/errors';
import { TokenNotFoundError } from '../../../shared/vault/errors';
import { createKeyVault } from '../../../shared/vault/keyVault/keyVault';
import { requireSecret } from '../../../shared/vault/managedVault';
import { InvalidSecretNameError } from '../../../shared/vault/secretRules';
import {
  createFakeCredential,
  createLoopbackCertificate,
  type FakeCredential,
  type KeyVaultServer,
  startKeyVaultServer,
  type TlsCertificate,
} from '../../support/keyVaultServer';

/**
 * The Key Vault adapter with the real SecretClient, over HTTPS, against the loopback stand-in.
 *
 * Every client here trusts only the stand-in's certificate (tlsOptions.ca) and sets
 * `disableChallengeResourceVerification`: the SDK only answers a login challenge whose resource
 * (https://vault.azure.net) is a parent domain of the vault's host, so that a look-alike URL cannot
 * collect a token meant for real vaults. 127.0.0.1 is never a *.vault.azure.net host, so tests
 * must switch the check off; production code never does, and a test below shows the check is on
 * by default. Retries are off so failures map after one request, without waiting.
 */
const token = () => `tok-${randomBytes(18).toString('base64url')}`;

let certificate: TlsCertificate;
let credential: FakeCredential;
let server: KeyVaultServer;

const testClientOptions = (overrides: SecretClientOptions = {}): SecretClientOptions => ({
  tlsOptions: { ca: server.ca },
  disableChallengeResourceVerification: true,
  retryOptions: { maxRetries: 0 },
  ...overrides,
});
const vaultFor = (options: { clientOptions?: SecretClientOptions; withCredential?: FakeCredential } = {}) =>
  createKeyVault({
    vaultUrl: server.url,
    credential: options.withCredential ?? credential,
    clientOptions: options.clientOptions ?? testClientOptions(),
  });

beforeAll(async () => {
  certificate = createLoopbackCertificate();
});

beforeEach(async () => {
  await server?.close();
  credential = createFakeCredential();
  server = await startKeyVaultServer({ acceptedToken: credential.token, pageSize: 2, certificate });
});

afterAll(async () => {
  await server?.close();
});

describe('key-vault adapter against a loopback Key Vault', () => {
  it('answers the 401 login challenge with a token for the vault resource, then sends the request', async () => {
    const vault = vaultFor();
    const value = token();
    await vault.setSecret('ado-pat-contoso', value);

    // First the challenge: the SDK sends the request without body or token, gets 401 + WWW-Authenticate...
    expect(server.requests[0]).toMatchObject({ method: 'PUT', path: '/secrets/ado-pat-contoso', authorization: 'none', bodyBytes: 0 });
    // ...asks the credential for the resource and tenant the challenge named...
    expect(credential.requests[0]).toEqual({ scopes: ['https://vault.azure.net/.default'], tenantId: server.tenantId });
    // ...and sends the request again, with the token and the body.
    expect(server.requests[1]).toMatchObject({ method: 'PUT', authorization: 'accepted' });
    expect(server.requests[1].bodyBytes).toBeGreaterThan(0);
    expect(server.requests[1].apiVersion).toBe('2025-07-01');

    // Once authenticated, later requests carry the token straight away.
    await vault.getSecret('ado-pat-contoso');
    expect(server.requests.slice(2).map((r) => r.authorization)).toEqual(['accepted']);
  });

  it('sets and gets a secret', async () => {
    const vault = vaultFor();
    const value = token();
    await vault.setSecret('github-token-contoso', value);
    expect(server.valueOf('github-token-contoso')).toBe(value);
    expect(await vault.getSecret('github-token-contoso')).toBe(value);
    // Key Vault names are case-insensitive.
    expect(await vault.getSecret('GitHub-Token-Contoso')).toBe(value);

    const newer = token();
    await vault.setSecret('github-token-contoso', newer);
    expect(await vault.getSecret('github-token-contoso')).toBe(newer);
  });

  it('serves a given version as well as the latest (the REST shape the SDK expects)', async () => {
    const client = new SecretClient(server.url, credential, testClientOptions());
    const first = await client.setSecret('rotated', token());
    await client.setSecret('rotated', token());
    const old = await client.getSecret('rotated', { version: first.properties.version });
    expect(old.value).toBe(first.value);
  });

  it('lists names across pages (nextLink), without values', async () => {
    const vault = vaultFor();
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    for (const name of names) server.plant(name, token());
    expect(await vault.listSecretNames()).toEqual(names);
    const listCalls = server.requests.filter((r) => r.method === 'GET' && r.path === '/secrets' && r.authorization === 'accepted');
    expect(listCalls.length).toBe(3); // 2 + 2 + 1 with pageSize 2
  });

  it('reads a missing secret as undefined, and requireSecret names it and how to set it', async () => {
    const vault = vaultFor();
    expect(await vault.getSecret('ado-pat-contoso')).toBeUndefined();
    const failure = await requireSecret(vault, 'ado-pat-contoso').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TokenNotFoundError);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toBe(
      "no secret 'ado-pat-contoso' in the vault (set it with: vigil secrets set ado-pat-contoso, or in Key Vault)",
    );
  });

  it('deletes a secret; a second delete finds nothing; the soft-deleted name cannot be set again until purged', async () => {
    const vault = vaultFor();
    await vault.setSecret('gitlab-token', token());
    expect(await vault.deleteSecret('gitlab-token')).toBe(true);
    expect(await vault.getSecret('gitlab-token')).toBeUndefined();
    expect(await vault.deleteSecret('gitlab-token')).toBe(false);

    const failure = await vault.setSecret('gitlab-token', token()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toMatch(/deleted and Key Vault keeps it recoverable: recover it .* or purge it/);
  });

  it('maps 403 to a ConfigurationError that names the missing role', async () => {
    const vault = vaultFor();
    server.plant('ado-pat-contoso', token());
    server.denyAccess(true);

    const read = await vault.getSecret('ado-pat-contoso').catch((e: unknown) => e);
    expect(read).toBeInstanceOf(ConfigurationError);
    expect((read as Error).message).toContain("denied get secret 'ado-pat-contoso' (403 Forbidden/ForbiddenByRbac)");
    expect((read as Error).message).toContain("'Key Vault Secrets User' role");
    expect((read as Error).message).not.toMatch(/[\r\n]/);

    const write = await vault.setSecret('ado-pat-contoso', token()).catch((e: unknown) => e);
    expect((write as Error).message).toContain("'Key Vault Secrets Officer' role");
  });

  it('maps a disabled secret to a ConfigurationError saying so', async () => {
    const vault = vaultFor();
    server.plant('old-token', token());
    server.disableSecret('old-token');
    const failure = await vault.getSecret('old-token').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toContain("secret 'old-token' is disabled");
  });

  it('maps a token the vault refuses (401 after the challenge) to a ConfigurationError', async () => {
    const stranger = createFakeCredential(); // a token from the wrong tenant, as far as the vault can tell
    const vault = vaultFor({ withCredential: stranger });
    const failure = await vault.getSecret('anything').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toContain("refused the app's token to get secret 'anything' (401 Unauthorized)");
  });

  it('maps 5xx to TransientError and 429 to ThrottledError with the Retry-After delay', async () => {
    const vault = vaultFor();
    await vault.getSecret('warm-up'); // completes the challenge, so the injected failures meet real calls

    server.failNext({ status: 503, code: 'ServiceUnavailable', message: 'try again' });
    const unavailable = await vault.getSecret('ado-pat-contoso').catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(TransientError);
    expect((unavailable as Error).message).toContain('(503 ServiceUnavailable)');

    server.failNext({ status: 429, code: 'Throttled', headers: { 'retry-after': '7' } });
    const throttled = await vault.getSecret('ado-pat-contoso').catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterMs).toBe(7000);

    server.failNext({ status: 400, code: 'BadParameter', message: 'nope' });
    expect(await vault.listSecretNames().catch((e: unknown) => e)).toBeInstanceOf(PermanentError);
  });

  it('maps an unreachable vault to TransientError', async () => {
    const url = server.url;
    await server.close();
    const vault = createKeyVault({ vaultUrl: url, credential, clientOptions: testClientOptions() });
    const failure = await vault.getSecret('ado-pat-contoso').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toContain('could not reach Key Vault');
  });

  it('trusts only the given CA: without it the TLS handshake fails (no global switch-off anywhere)', async () => {
    const vault = vaultFor({ clientOptions: { disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 } } });
    const failure = await vault.getSecret('ado-pat-contoso').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toMatch(/TLS certificate of Key Vault .* is not trusted/);
    expect(server.requests).toHaveLength(0);
  });

  it('keeps challenge resource verification on by default: a vault URL outside vault.azure.net gets no token', async () => {
    const vault = vaultFor({ clientOptions: { tlsOptions: { ca: server.ca }, retryOptions: { maxRetries: 0 } } });
    const failure = await vault.getSecret('ado-pat-contoso').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toContain('is not a Key Vault address');
    expect(credential.requests).toHaveLength(0);
  });

  it('refuses names Key Vault would refuse, before any request', async () => {
    const vault = vaultFor();
    await expect(vault.getSecret('ado_pat')).rejects.toBeInstanceOf(InvalidSecretNameError);
    await expect(vault.setSecret('a'.repeat(128), token())).rejects.toBeInstanceOf(InvalidSecretNameError);
    await expect(vault.setSecret('../etc', token())).rejects.toBeInstanceOf(InvalidSecretNameError);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a KEY_VAULT_URL that is not https', () => {
    expect(() => createKeyVault({ vaultUrl: 'http://127.0.0.1:1', credential })).toThrow(/must use https/);
  });
});
