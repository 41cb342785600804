import type * as http from 'node:http';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  azureDevOpsScope,
  bearerAuthorization,
  OriginBoundAuthHandler,
  patAuthorization,
  TokenUnavailableError,
} from '../../../shared/devops/credentials';
import { authErrorMessage } from '../../../shared/devops/errors';
import { scrubSecrets } from '../../../shared/logging/logger';
import { ManualClock } from '../../support/manualClock';

function prepared(handler: OriginBoundAuthHandler, host: string, port: number): http.OutgoingHttpHeaders {
  const options: http.RequestOptions = { host, port, headers: {} };
  handler.prepareRequest(options);
  return options.headers as http.OutgoingHttpHeaders;
}

describe('OriginBoundAuthHandler', () => {
  it('sets Authorization only for the organization origin (host and port)', () => {
    const handler = new OriginBoundAuthHandler('https://dev.azure.com/contoso', () => 'Bearer t0ken-value');
    expect(prepared(handler, 'dev.azure.com', 443).Authorization).toBe('Bearer t0ken-value');
    expect(prepared(handler, 'DEV.AZURE.COM', 443).Authorization).toBe('Bearer t0ken-value');
    expect(prepared(handler, 'blob.core.windows.net', 443).Authorization).toBeUndefined();
    expect(prepared(handler, 'dev.azure.com', 8443).Authorization).toBeUndefined();
    expect(prepared(handler, 'evil.example', 443)['X-TFS-FedAuthRedirect']).toBe('Suppress');
  });
  it('reads the header at request time, so a refreshed token is used', () => {
    let token = 'one';
    const handler = new OriginBoundAuthHandler('http://127.0.0.1:8080/contoso', () => `Bearer ${token}`);
    expect(prepared(handler, '127.0.0.1', 8080).Authorization).toBe('Bearer one');
    token = 'two';
    expect(prepared(handler, '127.0.0.1', 8080).Authorization).toBe('Bearer two');
  });
});

describe('patAuthorization', () => {
  it('sends Basic PAT and registers the PAT and its encoding with the log scrubber', async () => {
    const pat = 'zq3vunit-test-pat-value-0123456789';
    const source = patAuthorization(pat);
    await source.ready();
    const encoded = Buffer.from(`PAT:${pat}`).toString('base64');
    expect(source.header()).toBe(`Basic ${encoded}`);
    expect(scrubSecrets(`token ${pat} header Basic ${encoded}`)).toBe('token *** header Basic ***');
  });
});

describe('bearerAuthorization', () => {
  it('asks for the Azure DevOps scope once and refreshes near expiry', async () => {
    const clock = new ManualClock();
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scope): Promise<AccessToken> => {
        scopes.push(String(scope));
        return { token: `entra-unit-token-${scopes.length}`, expiresOnTimestamp: clock.now() + 3_600_000 };
      },
    };
    const source = bearerAuthorization(credential, clock);
    await Promise.all([source.ready(), source.ready()]);
    expect(scopes).toEqual([azureDevOpsScope]);
    expect(source.header()).toBe('Bearer entra-unit-token-1');
    clock.advance(30 * 60_000);
    await source.ready();
    expect(scopes).toHaveLength(1);
    clock.advance(26 * 60_000);
    await source.ready();
    expect(source.header()).toBe('Bearer entra-unit-token-2');
    expect(scrubSecrets('entra-unit-token-2')).toBe('***');
  });
  it('honours refreshAfterTimestamp', async () => {
    const clock = new ManualClock();
    let n = 0;
    const credential: TokenCredential = {
      getToken: async () => ({
        token: `tok-refresh-${++n}`,
        expiresOnTimestamp: clock.now() + 3_600_000,
        refreshAfterTimestamp: clock.now() + 60_000,
      }),
    };
    const source = bearerAuthorization(credential, clock);
    await source.ready();
    clock.advance(60_000);
    await source.ready();
    expect(source.header()).toBe('Bearer tok-refresh-2');
  });
  it('turns a credential failure into TokenUnavailableError without its message', async () => {
    const credential: TokenCredential = {
      getToken: async () => {
        throw Object.assign(new Error('ManagedIdentityCredential: secret-ish detail'), { name: 'CredentialUnavailableError' });
      },
    };
    const error = await bearerAuthorization(credential, new ManualClock())
      .ready()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toBe('could not get an Entra token for Azure DevOps (CredentialUnavailableError)');
  });
});

describe('authErrorMessage', () => {
  it('names the organization and the secret, or managed identity', () => {
    expect(authErrorMessage('contoso', { mode: 'pat', tokenSecret: 'ado-pat-contoso' }, 401)).toBe(
      "Azure DevOps rejected the credentials for organization 'contoso' (auth pat, secret 'ado-pat-contoso'; HTTP 401): check the PAT's scopes and expiry",
    );
    expect(authErrorMessage('contoso', { mode: 'managed-identity' }, 203, 'HTTP 203 with a sign-in page instead of JSON')).toContain(
      "(auth managed-identity; HTTP 203 with a sign-in page instead of JSON): check that the app's managed identity is added to the organization",
    );
  });
});
