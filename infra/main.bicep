// Vigil on Azure: one resource group with a Flex Consumption Function App, Service Bus, Cosmos DB,
// Key Vault, host storage and monitoring, reached only through a user-assigned managed identity.
// No keys or connection strings: every service has local auth off and roles are granted to the
// identity (and optionally to the deploying user). Deploy with `azd up`, or with
// `az deployment sub create --template-file infra/main.bicep` and `func azure functionapp publish`.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Environment name (azd: AZURE_ENV_NAME); part of the resource group name and of the unique resource-name token.')
param environmentName string

@minLength(1)
@description('Region for every resource; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; defaults to rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the deploying user or service principal (azd: AZURE_PRINCIPAL_ID). When set, it gets the same data roles as the app, with Key Vault Secrets Officer instead of Secrets User, so it can store secrets and run vigil against Azure. Empty: no extra assignments.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Kind of principal principalId names.')
param principalType string = 'User'

@description('Days a deliveries document (received event and outcome) and its journey are kept; the default is the local host\'s (shared/store/timeToLive.ts).')
@minValue(1)
param deliveriesRetentionDays int = 30

@description('Days an idempotency record is kept; must exceed the 7-day completed window the code uses.')
@minValue(8)
param idempotencyRetentionDays int = 14

@description('Flex Consumption instance memory (MB).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Flex Consumption scale-out limit.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('When the nightly repository inventory runs: NCRONTAB with seconds, UTC (docs/repositories.md).')
param inventorySchedule string = '0 0 2 * * *'

@description('When work items are reconciled with their risks each night: NCRONTAB with seconds, UTC (docs/work-items.md).')
param workItemsReconcileSchedule string = '0 30 3 * * *'

@description('When the risk totals of the overview are reconciled with the risks (hourly): NCRONTAB with seconds, UTC (docs/operations.md).')
param riskTotalsSchedule string = '0 15 * * * *'

@description('Client id of the Entra ID app registration people sign in to the overview with (docs/deploy.md, "The overview"); empty: the overview answers 401.')
param overviewClientId string = ''

@description('Object id of the Entra group whose members may read the overview; empty: anyone in the tenant.')
param overviewAllowedGroupId string = ''

var tags = {
  'azd-env-name': environmentName
  application: 'vigil'
}
var token = toLower(uniqueString(subscription().id, environmentName, location))
var functionAppName = 'func-vigil-${token}'
var secondsPerDay = 86400

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-vigil-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-vigil-${token}'
    applicationInsightsName: 'appi-vigil-${token}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stvigil${token}'
    location: location
    tags: tags
    deploymentContainerName: 'deployment-package'
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: 'sb-vigil-${token}'
    location: location
    tags: tags
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: 'cosmos-vigil-${token}'
    location: location
    tags: tags
    databaseName: 'vigil'
    deliveriesTtlSeconds: deliveriesRetentionDays * secondsPerDay
    idempotencyTtlSeconds: idempotencyRetentionDays * secondsPerDay
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-vigil-${take(token, 11)}'
    location: location
    tags: tags
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-vigil-${token}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    keyVaultUri: keyVault.outputs.uri
    applicationInsightsIngestion: monitoring.outputs.ingestionSettings
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    inventorySchedule: inventorySchedule
    workItemsReconcileSchedule: workItemsReconcileSchedule
    riskTotalsSchedule: riskTotalsSchedule
    overviewClientId: overviewClientId
    overviewAllowedGroupId: overviewAllowedGroupId
  }
  // The host starts as soon as the site exists; give it its storage, Service Bus and telemetry roles first.
  dependsOn: [
    appRoles
  ]
}

module appRoles 'modules/roleAssignments.bicep' = {
  name: 'appRoles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    serviceBusNamespaceName: serviceBus.outputs.name
    cosmosAccountName: cosmos.outputs.name
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    canWriteSecrets: false
    grantHostStorage: true
  }
}

module deployerRoles 'modules/roleAssignments.bicep' = if (!empty(principalId)) {
  name: 'deployerRoles'
  scope: rg
  params: {
    principalId: principalId
    principalType: principalType
    serviceBusNamespaceName: serviceBus.outputs.name
    cosmosAccountName: cosmos.outputs.name
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    canWriteSecrets: true
    grantHostStorage: false
  }
}

// azd stores these in .azure/<environment>/.env (azd env get-values); docs/deploy.md uses them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/hooks/azure-devops'
output HEALTH_URL string = 'https://${functionApp.outputs.defaultHostName}/api/health'
output OVERVIEW_URL string = 'https://${functionApp.outputs.defaultHostName}/api/overview'
output KEY_VAULT_NAME string = keyVault.outputs.name
output KEY_VAULT_URL string = keyVault.outputs.uri
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
