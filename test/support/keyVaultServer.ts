import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

/**
 * A loopback stand-in for Azure Key Vault's secrets data plane, for the real `SecretClient`:
 * HTTPS with a certificate made for this run, the 401 login challenge, and the REST shapes of
 * get (latest or by version), set, list (paged with nextLink), delete (soft delete, so a deleted
 * name cannot be set again until purged) and the error bodies Key Vault sends.
 */

import { createLoopbackCertificate, type LoopbackCertificate as TlsCertificate } from './loopbackCertificate';

export { createLoopbackCertificate, type TlsCertificate };

/** A TokenCredential that hands out one token made at run time, and remembers what it was asked for. */
export interface FakeCredential extends TokenCredential {
  readonly token: string;
  readonly requests: Array<{ scopes: string[]; tenantId?: string }>;
}

export function createFakeCredential(): FakeCredential {
  const token = `test-token-${randomBytes(24).toString('base64url')}`;
  const requests: FakeCredential['requests'] = [];
  return {
    token,
    requests,
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      requests.push({ scopes: Array.isArray(scopes) ? scopes : [scopes], tenantId: options?.tenantId });
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  authorization: 'none' | 'accepted' | 'rejected';
  bodyBytes: number;
}

export interface InjectedFailure {
  status: number;
  headers?: Record<string, string>;
  code?: string;
  message?: string;
}

export interface KeyVaultServer {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** The server certificate (PEM), to be trusted by the client and nothing else. */
  readonly ca: string;
  readonly tenantId: string;
  readonly requests: RecordedRequest[];
  /** Answer the next authenticated requests with this failure instead of serving them. */
  failNext(failure: InjectedFailure, times?: number): void;
  /** While true, every authenticated request is refused with 403 ForbiddenByRbac (identity without a role). */
  denyAccess(denied: boolean): void;
  disableSecret(name: string): void;
  /** A secret's current value as stored, or undefined. */
  valueOf(name: string): string | undefined;
  /** Puts a secret in without going through the client (test set-up). */
  plant(name: string, value: string): void;
  close(): Promise<void>;
}

export interface KeyVaultServerOptions {
  /** The only bearer token the server accepts (a FakeCredential's). */
  acceptedToken: string;
  /** Items per list page; Key Vault's own maximum is 25. */
  pageSize?: number;
  certificate?: TlsCertificate;
}

interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  created: number;
  updated: number;
}

interface StoredSecret {
  name: string;
  enabled: boolean;
  versions: SecretVersion[];
}

const namePattern = /^[0-9a-zA-Z-]{1,127}$/;
const recoveryLevel = 'Recoverable+Purgeable';

export async function startKeyVaultServer(options: KeyVaultServerOptions): Promise<KeyVaultServer> {
  const certificate = options.certificate ?? createLoopbackCertificate();
  const tenantId = randomUUID();
  const pageSize = options.pageSize ?? 25;
  const secrets = new Map<string, StoredSecret>();
  const deleted = new Map<string, StoredSecret & { deletedDate: number }>();
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  let denied = false;
  let baseUrl = '';

  const now = () => Math.floor(Date.now() / 1000);
  const keyOf = (name: string) => name.toLowerCase();
  const attributes = (secret: StoredSecret, version: SecretVersion) => ({
    enabled: secret.enabled,
    created: version.created,
    updated: version.updated,
    recoveryLevel,
    recoverableDays: 90,
  });
  const bundle = (secret: StoredSecret, version: SecretVersion) => ({
    value: version.value,
    id: `${baseUrl}/secrets/${secret.name}/${version.version}`,
    ...(version.contentType ? { contentType: version.contentType } : {}),
    ...(version.tags ? { tags: version.tags } : {}),
    attributes: attributes(secret, version),
  });
  const store = (name: string, value: string, extra: Pick<SecretVersion, 'contentType' | 'tags'> = {}) => {
    const existing = secrets.get(keyOf(name));
    const secret = existing ?? { name, enabled: true, versions: [] };
    const version: SecretVersion = { version: randomBytes(16).toString('hex'), value, created: now(), updated: now(), ...extra };
    secret.versions.push(version);
    secrets.set(keyOf(name), secret);
    return bundle(secret, version);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', baseUrl);
    const body = await readBody(request);
    const authorization = request.headers.authorization;
    const authorized = authorization === `Bearer ${options.acceptedToken}`;
    requests.push({
      method: request.method ?? '',
      path: url.pathname,
      apiVersion: url.searchParams.get('api-version'),
      authorization: authorization === undefined ? 'none' : authorized ? 'accepted' : 'rejected',
      bodyBytes: body.length,
    });

    if (!authorized) {
      // Key Vault's login challenge: where to get a token (the tenant) and for what (the resource).
      return send(
        response,
        401,
        error('Unauthorized', authorization ? 'AKV10032: Invalid issuer.' : 'AKV10000: Request is missing a Bearer or PoP token.'),
        {
          'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
        },
      );
    }
    if (!url.searchParams.get('api-version')) {
      return send(response, 400, error('BadParameter', 'The api-version query parameter is missing.'));
    }
    const failure = failures.shift();
    if (failure) {
      return send(
        response,
        failure.status,
        error(failure.code ?? 'Failure', failure.message ?? `injected ${failure.status}`),
        failure.headers,
      );
    }
    if (denied) {
      return send(
        response,
        403,
        error(
          'Forbidden',
          "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC'",
          'ForbiddenByRbac',
        ),
      );
    }

    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [collection, name, version] = parts;
    if (name !== undefined && !namePattern.test(name)) {
      return send(response, 400, error('BadParameter', `The request URI contains an invalid name: ${name}`));
    }

    if (collection === 'secrets' && parts.length === 1 && request.method === 'GET') {
      const maxResults = Math.min(Number(url.searchParams.get('maxresults') ?? pageSize) || pageSize, pageSize);
      const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
      const all = [...secrets.values()].sort((a, b) => a.name.localeCompare(b.name));
      const page = all.slice(skip, skip + maxResults).map((secret) => {
        const latest = secret.versions[secret.versions.length - 1];
        return {
          id: `${baseUrl}/secrets/${secret.name}`,
          attributes: attributes(secret, latest),
          ...(latest.tags ? { tags: latest.tags } : {}),
        };
      });
      const next = skip + maxResults;
      const nextLink =
        next < all.length
          ? `${baseUrl}/secrets?api-version=${url.searchParams.get('api-version')}&$skiptoken=${next}&maxresults=${maxResults}`
          : null;
      return send(response, 200, { value: page, nextLink });
    }

    if (collection === 'secrets' && name !== undefined && parts.length <= 3 && request.method === 'GET') {
      const secret = secrets.get(keyOf(name));
      const found = secret && (version ? secret.versions.find((v) => v.version === version) : secret.versions[secret.versions.length - 1]);
      if (!secret || !found) {
        return send(
          response,
          404,
          error(
            'SecretNotFound',
            `A secret with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
          ),
        );
      }
      if (!secret.enabled)
        return send(response, 403, error('Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled'));
      return send(response, 200, bundle(secret, found));
    }

    if (collection === 'secrets' && name !== undefined && parts.length === 2 && request.method === 'PUT') {
      if (deleted.has(keyOf(name))) {
        return send(
          response,
          409,
          error(
            'Conflict',
            `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
            'ObjectIsDeletedButRecoverable',
          ),
        );
      }
      const parsed = parseJson(body);
      if (!parsed || typeof parsed.value !== 'string') return send(response, 400, error('BadParameter', 'Property value is required.'));
      const tags = parsed.tags && typeof parsed.tags === 'object' ? (parsed.tags as Record<string, string>) : undefined;
      const contentType = typeof parsed.contentType === 'string' ? parsed.contentType : undefined;
      return send(response, 200, store(name, parsed.value, { tags, contentType }));
    }

    if (collection === 'secrets' && name !== undefined && parts.length === 2 && request.method === 'DELETE') {
      const secret = secrets.get(keyOf(name));
      if (!secret) return send(response, 404, error('SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`));
      secrets.delete(keyOf(name));
      const deletedDate = now();
      deleted.set(keyOf(name), { ...secret, deletedDate });
      return send(response, 200, deletedBundle(secret, deletedDate));
    }

    if (collection === 'deletedsecrets' && name !== undefined && parts.length === 2) {
      const secret = deleted.get(keyOf(name));
      if (!secret) return send(response, 404, error('SecretNotFound', `Deleted Secret not found: ${name}`));
      if (request.method === 'GET') return send(response, 200, deletedBundle(secret, secret.deletedDate));
      if (request.method === 'DELETE') {
        deleted.delete(keyOf(name));
        return send(response, 204, undefined);
      }
    }

    return send(response, 400, error('BadParameter', `unsupported request ${request.method} ${url.pathname}`));
  };

  const deletedBundle = (secret: StoredSecret, deletedDate: number) => {
    const latest = secret.versions[secret.versions.length - 1];
    const { value: _value, ...withoutValue } = bundle(secret, latest);
    return {
      ...withoutValue,
      recoveryId: `${baseUrl}/deletedsecrets/${secret.name}`,
      deletedDate,
      scheduledPurgeDate: deletedDate + 90 * 86_400,
    };
  };

  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (request, response) => {
    handle(request, response).catch((failure: unknown) => {
      if (!response.headersSent) send(response, 500, error('InternalServerError', String(failure)));
    });
  });
  let closed: Promise<void> | undefined;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    ca: certificate.cert,
    tenantId,
    requests,
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    denyAccess(value) {
      denied = value;
    },
    disableSecret(name) {
      const secret = secrets.get(keyOf(name));
      if (secret) secret.enabled = false;
    },
    valueOf(name) {
      const secret = secrets.get(keyOf(name));
      return secret?.versions[secret.versions.length - 1]?.value;
    },
    plant(name, value) {
      store(name, value);
    },
    close() {
      // Idempotent, so a test may stop the server early (to play an unreachable vault) and teardown still works.
      closed ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((failure) => (failure ? reject(failure) : resolve()));
      });
      return closed;
    },
  };
}

function error(code: string, message: string, innerCode?: string) {
  return { error: { code, message, ...(innerCode ? { innererror: { code: innerCode } } : {}) } };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': randomUUID(),
    'x-ms-keyvault-service-version': '1.9.0.0',
    ...headers,
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
