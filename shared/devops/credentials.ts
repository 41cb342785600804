import type * as http from 'node:http';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type {
  IHttpClient,
  IHttpClientResponse,
  IRequestHandler,
  IRequestInfo,
} from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import type { Clock } from '../clock';
import { registerSecretValue } from '../logging';

/** The Entra resource of Azure DevOps; a token for this scope is accepted by every organization. */
export const azureDevOpsScope = '499b84ac-1321-427f-aa17-267ca6975798/.default';

/** Refresh a managed-identity token this long before it expires. */
export const tokenRefreshMarginMs = 5 * 60_000;

/**
 * Sets `Authorization` on requests to the organization's own origin only. typed-rest-client calls
 * `prepareRequest` again for every redirect hop, so a redirect to another host (a blob store, a
 * hostile server) goes out without the credential. The header value is read at request time, so
 * a refreshed bearer token is used by every API object that shares this handler.
 */
export class OriginBoundAuthHandler implements IRequestHandler {
  private readonly origin: string;

  constructor(
    organizationUrl: string,
    private readonly header: () => string,
  ) {
    this.origin = originOf(organizationUrl);
  }

  prepareRequest(options: http.RequestOptions): void {
    const headers = (options.headers ??= {}) as http.OutgoingHttpHeaders;
    // Ask for a 401 instead of the sign-in redirect when the credential is refused.
    headers['X-TFS-FedAuthRedirect'] = 'Suppress';
    const host = String(options.host ?? options.hostname ?? '');
    const port = options.port === undefined || options.port === null ? '' : String(options.port);
    if (sameOrigin(this.origin, host, port, options.protocol ?? undefined, options.agent)) {
      headers.Authorization = this.header();
    } else {
      delete headers.Authorization;
      delete headers.authorization;
    }
  }

  canHandleAuthentication(_response: IHttpClientResponse): boolean {
    return false;
  }

  handleAuthentication(_httpClient: IHttpClient, _requestInfo: IRequestInfo, _objs: unknown): Promise<IHttpClientResponse> {
    return Promise.reject(new Error('not supported'));
  }
}

function originOf(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return `${parsed.hostname.toLowerCase()}:${port}`;
}

function sameOrigin(origin: string, host: string, port: string, _protocol: string | undefined, _agent: unknown): boolean {
  if (!host) return false;
  const effectivePort = port || (origin.endsWith(':80') ? '80' : '443');
  return `${host.toLowerCase()}:${effectivePort}` === origin;
}

/** Where the Authorization header comes from: a fixed PAT, or an Entra token kept fresh. */
export interface AuthorizationSource {
  /** Make sure the credential is usable for the next requests (refresh a token near expiry). */
  ready(): Promise<void>;
  /** The header value for the current credential. */
  header(): string;
}

export function patAuthorization(pat: string): AuthorizationSource {
  registerSecretValue(pat);
  const value = `Basic ${Buffer.from(`PAT:${pat}`).toString('base64')}`;
  registerSecretValue(value.slice('Basic '.length));
  return { ready: async () => undefined, header: () => value };
}

export class TokenUnavailableError extends Error {}

/** An Entra bearer token from a TokenCredential, fetched lazily and refreshed before it expires. */
export function bearerAuthorization(credential: TokenCredential, clock: Clock): AuthorizationSource {
  let current: AccessToken | undefined;
  let pending: Promise<void> | undefined;

  const fresh = (): boolean => {
    if (!current) return false;
    const now = clock.now();
    if (current.refreshAfterTimestamp !== undefined && now >= current.refreshAfterTimestamp) return false;
    return now < current.expiresOnTimestamp - tokenRefreshMarginMs;
  };

  const refresh = async (): Promise<void> => {
    let token: AccessToken | null;
    try {
      token = await credential.getToken(azureDevOpsScope);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new TokenUnavailableError(`could not get an Entra token for Azure DevOps (${name})`);
    }
    if (!token) throw new TokenUnavailableError('could not get an Entra token for Azure DevOps (the credential returned none)');
    registerSecretValue(token.token);
    current = token;
  };

  return {
    ready: async () => {
      if (fresh()) return;
      pending ??= refresh().finally(() => {
        pending = undefined;
      });
      await pending;
    },
    header: () => {
      if (!current) throw new TokenUnavailableError('no Entra token yet');
      return `Bearer ${current.token}`;
    },
  };
}
