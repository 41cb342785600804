import { CosmosClient, type CosmosClientOptions } from '@azure/cosmos';
import { ConfigurationError } from '../../errors';
import type { CosmosSettings, ThrottleRetryPolicy } from './cosmosSettings';

/**
 * Enough patience to ride out a short burst of 429s inside one call, short enough that a long
 * throttle becomes a ThrottledError and settlement reschedules the message instead of a function
 * instance sleeping through its timeout.
 */
export const defaultThrottleRetries: ThrottleRetryPolicy = { maxRetries: 5, maxWaitSeconds: 10 };

/** The SDK client for the settings: Entra ID unless a key was explicitly configured. */
export function createCosmosClient(settings: CosmosSettings): CosmosClient {
  const throttle = settings.throttleRetries ?? defaultThrottleRetries;
  const options: CosmosClientOptions = {
    endpoint: settings.endpoint,
    ...authentication(settings),
    userAgentSuffix: 'vigil',
    connectionPolicy: {
      retryOptions: {
        maxRetryAttemptCount: throttle.maxRetries,
        maxWaitTimeInSeconds: throttle.maxWaitSeconds,
        // 0 means: wait what the server asked for in x-ms-retry-after-ms, not a fixed interval.
        fixedRetryIntervalInMilliseconds: 0,
      },
    },
  };
  if (settings.agent) options.agent = settings.agent;
  return new CosmosClient(options);
}

function authentication(settings: CosmosSettings): Pick<CosmosClientOptions, 'key' | 'aadCredentials'> {
  if (settings.key !== undefined) return { key: settings.key };
  if (settings.credential !== undefined) return { aadCredentials: settings.credential };
  throw new ConfigurationError('Cosmos DB needs a credential: give the app a managed identity (DefaultAzureCredential), or set COSMOS_KEY');
}
