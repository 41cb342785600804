import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/identity';
import { ConfigurationError } from '../../errors';

/** How hard the client retries a 429 before the store gives up with a ThrottledError (and settlement reschedules). */
export interface ThrottleRetryPolicy {
  /** Retries after the first attempt; each waits what the server asked for in `x-ms-retry-after-ms`. */
  maxRetries: number;
  /** The total wait across those retries, after which the client stops retrying. */
  maxWaitSeconds: number;
}

export interface CosmosSettings {
  endpoint: string;
  databaseName: string;
  /** Entra ID (DefaultAzureCredential in Azure): the normal path. */
  credential?: TokenCredential;
  /** Account key: only when one is explicitly configured. Never logged or put in a message. */
  key?: string;
  /** Create the database and containers at start-up (local use); in Azure, infra/ creates them. */
  createIfMissing: boolean;
  /** For a private CA, such as the test server's certificate. */
  agent?: Agent;
  throttleRetries?: ThrottleRetryPolicy;
  /** Deadline for one store call including the SDK's own retries (its network-failure policy alone may retry for two minutes). */
  operationTimeoutMs?: number;
  /**
   * Ask the gateway for a query plan before every query (default true). The SDK's README requires it
   * for continuation tokens that stay valid across partitions; only a stand-in that cannot serve
   * query plans (the test server) turns it off.
   */
  forceQueryPlan?: boolean;
}

export type CosmosEnvironment = Readonly<Record<string, string | undefined>>;

const databaseNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads COSMOS_ENDPOINT, COSMOS_DATABASE (default `vigil`), COSMOS_KEY, VIGIL_COSMOS_CREATE (default
 * false) and VIGIL_COSMOS_FORCE_QUERY_PLAN (default true; false only against a stand-in that cannot
 * serve query plans, such as the loopback test server). A wrong value throws a
 * ConfigurationError of one line naming the setting; values are never echoed, since a connection
 * string pasted into the wrong setting would carry the account key.
 */
export function cosmosSettingsFromEnvironment(env: CosmosEnvironment, credentialFactory: () => TokenCredential): CosmosSettings {
  const endpoint = requiredEndpoint(env.COSMOS_ENDPOINT);
  const databaseName = env.COSMOS_DATABASE?.trim() || 'vigil';
  if (!databaseNamePattern.test(databaseName)) {
    throw new ConfigurationError(
      'COSMOS_DATABASE must be 1-255 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  const key = env.COSMOS_KEY?.trim() || undefined;
  if (key !== undefined && !base64Pattern.test(key)) {
    throw new ConfigurationError('COSMOS_KEY is not a Cosmos DB account key (base64); unset it to use Entra ID');
  }
  const createIfMissing = booleanSetting('VIGIL_COSMOS_CREATE', env.VIGIL_COSMOS_CREATE, false);
  const forceQueryPlan = booleanSetting('VIGIL_COSMOS_FORCE_QUERY_PLAN', env.VIGIL_COSMOS_FORCE_QUERY_PLAN, true);
  return key === undefined
    ? { endpoint, databaseName, credential: credentialFactory(), createIfMissing, forceQueryPlan }
    : { endpoint, databaseName, key, createIfMissing, forceQueryPlan };
}

function requiredEndpoint(value: string | undefined): string {
  const text = value?.trim();
  if (!text) throw new ConfigurationError('COSMOS_ENDPOINT is not set (expected https://<account>.documents.azure.com:443/)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError('COSMOS_ENDPOINT is not a URL (expected https://<account>.documents.azure.com:443/)');
  }
  if (
    url.protocol !== 'https:' ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new ConfigurationError('COSMOS_ENDPOINT must be a plain https URL (expected https://<account>.documents.azure.com:443/)');
  }
  return url.origin;
}

function booleanSetting(name: string, value: string | undefined, fallback: boolean): boolean {
  const text = value?.trim().toLowerCase();
  if (!text) return fallback;
  if (text === 'false') return false;
  if (text === 'true') return true;
  throw new ConfigurationError(`${name} must be true or false`);
}
