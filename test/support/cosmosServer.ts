import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import type { CosmosSettings } from '../../shared/store/cosmos/cosmosSettings';
import { CosmosFaults } from './cosmosFaults';
import { createLoopbackCertificate } from './loopbackCertificate';

export interface CosmosTestServer {
  /** `https://127.0.0.1:<port>`, as COSMOS_ENDPOINT would be. */
  endpoint: string;
  /** Trusts exactly this server's generated certificate; nothing else about TLS is relaxed. */
  agent: Agent;
  /** A random base64 key: the stand-in has no Entra ID, and the SDK signs every request with it. */
  key: string;
  /** The certificate, for a child process (NODE_EXTRA_CA_CERTS). */
  certificatePem: string;
  faults: CosmosFaults;
  /** Settings for a store on this server; a fresh database name unless one is given. */
  settings(overrides?: Partial<CosmosSettings>): CosmosSettings;
  close(): Promise<void>;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Starts @vercel/cosmosdb-server on 127.0.0.1 (random port) over HTTPS with a certificate made for
 * this run. Data lives in memory for the life of the server. Fault injection sits in front of the
 * stand-in's handler, for what it never does by itself (429, 5xx, dropped connections).
 */
export async function startCosmosServer(): Promise<CosmosTestServer> {
  const certificate = createLoopbackCertificate();
  const server = createHttpsServer({ cert: certificate.cert, key: certificate.key, keepAlive: true });
  const faults = new CosmosFaults();
  const standIn = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (faults.intercept(request, response)) return;
    for (const listener of standIn) listener(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `https://127.0.0.1:${port}`;
  const agent = new Agent({ ca: certificate.cert, keepAlive: true });
  const key = randomBytes(64).toString('base64');
  return {
    endpoint,
    agent,
    key,
    certificatePem: certificate.cert,
    faults,
    settings: (overrides = {}) => ({
      endpoint,
      databaseName: `vigil-${randomUUID()}`,
      key,
      agent,
      createIfMissing: true,
      // The stand-in answers a query-plan request as if it were the query; it executes ORDER BY and
      // COUNT itself, so the SDK's server-side path is what runs here.
      forceQueryPlan: false,
      ...overrides,
    }),
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
