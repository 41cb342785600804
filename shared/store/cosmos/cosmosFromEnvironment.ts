import { DefaultAzureCredential } from '@azure/identity';
import type { Store } from '../port';
import { type CosmosEnvironment, cosmosSettingsFromEnvironment } from './cosmosSettings';
import { createCosmosStore } from './cosmosStore';

/**
 * The Cosmos store as the app runs it: settings from the environment, Entra ID through
 * DefaultAzureCredential (a managed identity in Azure; AZURE_CLIENT_ID picks a user-assigned one)
 * unless COSMOS_KEY is set. The credential is only built when it will be used.
 */
export function openCosmosStoreFromEnvironment(env: CosmosEnvironment = process.env): Promise<Store> {
  return createCosmosStore(cosmosSettingsFromEnvironment(env, () => new DefaultAzureCredential()));
}
