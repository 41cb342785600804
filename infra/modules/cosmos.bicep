// Cosmos DB for NoSQL, serverless, with the database and the containers of docs/architecture.md, "State". Keys are
// disabled (disableLocalAuth): the app and the optional deploying user get the built-in Data
// Contributor role through sqlRoleAssignments (roleAssignments.bicep).

param name string
param location string
param tags object = {}

@description('Database name; the app reads it from COSMOS_DATABASE.')
param databaseName string = 'vigil'

@description('Seconds a deliveries document (and a journeys hop) lives after its last write.')
param deliveriesTtlSeconds int

@description('Seconds an idempotency record lives after its last write; longer than the code\'s 7-day completed window (expiry itself is checked in code).')
param idempotencyTtlSeconds int

@description('Seconds an uploaded SARIF chunk lives (shared/store/timeToLive.ts, which the chunks carry as their own ttl; the handler deletes it sooner).')
param sarifUploadsTtlSeconds int = 604800

// Must equal containerDefinitions in shared/store/port.ts and, deployed with the defaults, the TTLs of
// shared/store/timeToLive.ts, which the embedded store uses locally (test/unit/infra checks names, partition
// keys and TTLs). A null defaultTtl leaves TTL off: those containers keep their documents.
var containers = [
  { name: 'organizations', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'deliveries', partitionKeyPath: '/source', defaultTtl: deliveriesTtlSeconds }
  { name: 'idempotency', partitionKeyPath: '/id', defaultTtl: idempotencyTtlSeconds }
  { name: 'parked', partitionKeyPath: '/queue', defaultTtl: null }
  { name: 'assets', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'risks', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'scans', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'alerts', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'alertWindows', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'workItemLinks', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'pullRequestFeedback', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'journeys', partitionKeyPath: '/rootDeliveryId', defaultTtl: deliveriesTtlSeconds }
  { name: 'riskTallies', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'pipelineDays', partitionKeyPath: '/organization', defaultTtl: null }
  { name: 'sarifUploads', partitionKeyPath: '/organization', defaultTtl: sarifUploadsTtlSeconds }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    publicNetworkAccess: 'Enabled'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      // Serverless: no throughput options.
      resource: union(
        {
          id: container.name
          partitionKey: {
            paths: [container.partitionKeyPath]
            kind: 'Hash'
            version: 2
          }
        },
        container.defaultTtl == null ? {} : { defaultTtl: container.defaultTtl }
      )
    }
  }
]

output name string = account.name
output id string = account.id
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
