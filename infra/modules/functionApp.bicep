// The Function App on the Flex Consumption plan (Linux, Node 22), running as the user-assigned
// identity. Every connection is identity-based: the app settings carry endpoints and the identity's
// client id, never a key. Flex Consumption sets the worker runtime from functionAppConfig.runtime,
// so FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION must not be app settings.

param name string
param planName string
param location string
param tags object = {}

@description('The azd service this app hosts (azure.yaml services.api).')
param serviceName string = 'api'

param identityId string
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string

param serviceBusFullyQualifiedNamespace string
param cosmosEndpoint string
param cosmosDatabaseName string
param keyVaultUri string
@description('Application Insights ingestion settings (endpoint and component id; no secret).')
param applicationInsightsIngestion string

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Node.js version the Flex Consumption runtime runs.')
param nodeVersion string = '22'

@description('When the repository inventory timer runs: NCRONTAB with seconds, UTC (app setting VIGIL_INVENTORY_SCHEDULE).')
param inventorySchedule string = '0 0 2 * * *'

@description('When the work-item reconciliation timer runs: NCRONTAB with seconds, UTC (app setting VIGIL_WORKITEMS_RECONCILE_SCHEDULE).')
param workItemsReconcileSchedule string = '0 30 3 * * *'

@description('When the risk totals timer runs: NCRONTAB with seconds, UTC (app setting VIGIL_RISK_TOTALS_SCHEDULE).')
param riskTotalsSchedule string = '0 15 * * * *'

@description('Client id of the Entra ID app registration people sign in to the overview with (docs/deploy.md); empty: the overview answers 401 to everyone.')
param overviewClientId string = ''

@description('The Entra tenant people sign in from.')
param overviewTenantId string = tenant().tenantId

@description('Object id of the Entra group whose members may read the overview; empty: anyone in the tenant who can sign in to the registration.')
param overviewAllowedGroupId string = ''

// Routes that authenticate their own callers (the webhook, per source) or hide nothing (the health
// probe): App Service authentication lets them through. Must equal the webhook's sources and the
// health route (test/unit/infra checks it).
var openPaths = [
  '/api/hooks/azure-devops'
  '/api/hooks/github'
  '/api/hooks/gitlab'
  '/api/health'
]

// Must equal serviceBusConnectionName in shared/azureFunctions/functionRegistry.ts: the Service Bus
// trigger reads <prefix>__fullyQualifiedNamespace, __credential and __clientId (test/unit/infra checks it).
var serviceBusConnection = 'ServiceBusConnection'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // The platform's health check pings this on every instance (docs/operations.md, "Health").
      healthCheckPath: '/api/health'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      // Host storage through the identity (Storage Blob Data Owner).
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      // Service Bus trigger (host) and sender/administration client (shared/queue/serviceBus/serviceBusSettings.ts).
      '${serviceBusConnection}__fullyQualifiedNamespace': serviceBusFullyQualifiedNamespace
      '${serviceBusConnection}__credential': 'managedidentity'
      '${serviceBusConnection}__clientId': identityClientId
      // Cosmos DB and Key Vault through DefaultAzureCredential; AZURE_CLIENT_ID picks the user-assigned identity.
      COSMOS_ENDPOINT: cosmosEndpoint
      COSMOS_DATABASE: cosmosDatabaseName
      KEY_VAULT_URL: keyVaultUri
      AZURE_CLIENT_ID: identityClientId
      // Application Insights with Entra auth (local auth is disabled on the component).
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsIngestion
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      VIGIL_LOG_FORMAT: 'json'
      // Read by glibc, not by Vigil: full repository scans inflate zips on a worker thread, and with a
      // malloc arena per thread the freed memory stayed resident (bench:repos peak RSS 200-264 MB; 187-215 with 2).
      MALLOC_ARENA_MAX: '2'
      // The inventory timer's schedule, read by functions/inventoryTimer.ts when the app loads.
      VIGIL_INVENTORY_SCHEDULE: inventorySchedule
      // The work-item reconciliation timer's schedule, read by functions/workItemsTimer.ts when the app loads.
      VIGIL_WORKITEMS_RECONCILE_SCHEDULE: workItemsReconcileSchedule
      // The risk totals timer's schedule, read by functions/riskTotalsTimer.ts when the app loads.
      VIGIL_RISK_TOTALS_SCHEDULE: riskTotalsSchedule
      // Read by shared/overview/overviewHttp.ts: the overview trusts the signed-in principal only behind App Service authentication.
      VIGIL_OVERVIEW_AUTHENTICATION: empty(overviewClientId) ? 'none' : 'app-service'
    }
  }

  // App Service authentication (Easy Auth) with Entra ID in front of the overview and its API.
  resource authentication 'config' = if (!empty(overviewClientId)) {
    name: 'authsettingsV2'
    properties: {
      platform: {
        enabled: true
      }
      globalValidation: {
        requireAuthentication: true
        unauthenticatedClientAction: 'RedirectToLoginPage'
        redirectToProvider: 'azureactivedirectory'
        excludedPaths: openPaths
      }
      httpSettings: {
        requireHttps: true
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: overviewClientId
            openIdIssuer: '${environment().authentication.loginEndpoint}${overviewTenantId}/v2.0'
          }
          validation: {
            allowedAudiences: [
              overviewClientId
              'api://${overviewClientId}'
            ]
            defaultAuthorizationPolicy: {
              allowedPrincipals: {
                groups: empty(overviewAllowedGroupId) ? [] : [
                  overviewAllowedGroupId
                ]
              }
            }
          }
        }
      }
      login: {
        tokenStore: {
          enabled: false
        }
      }
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
