import type { TokenCredential } from '@azure/identity';
import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../shared/errors';
import { createCosmosClient } from '../../../shared/store/cosmos/cosmosClient';
import { cosmosSettingsFromEnvironment } from '../../../shared/store/cosmos/cosmosSettings';

const credential: TokenCredential = { getToken: async () => null };
const endpoint = 'https://vigil-prod.documents.azure.com:443/';
const key = 'c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=';

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the settings to be refused');
}

describe('cosmosSettingsFromEnvironment', () => {
  it('uses Entra ID (the credential factory) when no key is configured', () => {
    const factory = vi.fn(() => credential);
    const settings = cosmosSettingsFromEnvironment({ COSMOS_ENDPOINT: endpoint }, factory);
    expect(settings).toEqual({
      endpoint: 'https://vigil-prod.documents.azure.com',
      databaseName: 'vigil',
      credential,
      createIfMissing: false,
      forceQueryPlan: true,
    });
    expect(factory).toHaveBeenCalledOnce();
  });

  it('uses the key only when COSMOS_KEY is set, and then asks for no credential', () => {
    const factory = vi.fn(() => credential);
    const settings = cosmosSettingsFromEnvironment({ COSMOS_ENDPOINT: endpoint, COSMOS_KEY: key, COSMOS_DATABASE: 'vigil-test' }, factory);
    expect(settings).toEqual({
      endpoint: 'https://vigil-prod.documents.azure.com',
      databaseName: 'vigil-test',
      key,
      createIfMissing: false,
      forceQueryPlan: true,
    });
    expect(factory).not.toHaveBeenCalled();
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['', false],
    [undefined, false],
  ])('reads VIGIL_COSMOS_CREATE=%s as %s', (value, expected) => {
    expect(cosmosSettingsFromEnvironment({ COSMOS_ENDPOINT: endpoint, VIGIL_COSMOS_CREATE: value }, () => credential).createIfMissing).toBe(
      expected,
    );
  });

  it('lets a stand-in without query plans turn them off, and nothing else', () => {
    const read = (value: string | undefined) =>
      cosmosSettingsFromEnvironment({ COSMOS_ENDPOINT: endpoint, VIGIL_COSMOS_FORCE_QUERY_PLAN: value }, () => credential).forceQueryPlan;
    expect(read(undefined)).toBe(true);
    expect(read('false')).toBe(false);
    expect(read('true')).toBe(true);
  });

  it.each([
    [{}, 'COSMOS_ENDPOINT is not set'],
    [{ COSMOS_ENDPOINT: endpoint, VIGIL_COSMOS_FORCE_QUERY_PLAN: 'off' }, 'VIGIL_COSMOS_FORCE_QUERY_PLAN must be true or false'],
    [{ COSMOS_ENDPOINT: 'not a url' }, 'COSMOS_ENDPOINT is not a URL'],
    [{ COSMOS_ENDPOINT: 'http://vigil.documents.azure.com/' }, 'COSMOS_ENDPOINT must be a plain https URL'],
    [{ COSMOS_ENDPOINT: 'https://vigil.documents.azure.com/dbs/vigil' }, 'COSMOS_ENDPOINT must be a plain https URL'],
    [{ COSMOS_ENDPOINT: endpoint, COSMOS_DATABASE: 'bad/name' }, 'COSMOS_DATABASE must be'],
    [{ COSMOS_ENDPOINT: endpoint, VIGIL_COSMOS_CREATE: 'yes' }, 'VIGIL_COSMOS_CREATE must be true or false'],
    [{ COSMOS_ENDPOINT: endpoint, COSMOS_KEY: 'not base64!' }, 'COSMOS_KEY is not a Cosmos DB account key'],
  ])('refuses %j with one line naming the setting', (env, message) => {
    const error = failure(() => cosmosSettingsFromEnvironment(env, () => credential));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes a value: a connection string pasted into COSMOS_ENDPOINT or COSMOS_KEY stays out of the message', () => {
    const connectionString = `AccountEndpoint=https://vigil.documents.azure.com:443/;AccountKey=${key};`;
    for (const env of [{ COSMOS_ENDPOINT: connectionString }, { COSMOS_ENDPOINT: endpoint, COSMOS_KEY: connectionString }]) {
      const error = failure(() => cosmosSettingsFromEnvironment(env, () => credential));
      expect(error.message).not.toContain(key);
    }
    const withCredentials = failure(() =>
      cosmosSettingsFromEnvironment({ COSMOS_ENDPOINT: `https://user:${key}@vigil.documents.azure.com/` }, () => credential),
    );
    expect(withCredentials.message).not.toContain(key);
  });
});

describe('createCosmosClient', () => {
  it('refuses settings with neither a credential nor a key', () => {
    const error = failure(() =>
      createCosmosClient({ endpoint: 'https://vigil.documents.azure.com', databaseName: 'vigil', createIfMissing: false }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('COSMOS_KEY');
  });
});
