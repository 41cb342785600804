// Service Bus namespace (Standard) and the queues of docs/architecture.md, "Queues and settlement". Local (SAS key) authentication
// is disabled: senders and receivers authenticate with Entra ID (roleAssignments.bicep).

param name string
param location string
param tags object = {}

// Must equal queueNames in shared/queue/names.ts (test/unit/infra checks it).
var queueNames = [
  'build-scan'
  'repo-scan'
  'workitem-sync'
  'pr-publish'
  'alerts'
]

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// Settings per docs/architecture.md, "Queues and settlement": duplicate detection on messageId (the delivery's idempotency key) over
// an hour, dead-lettering after defaultMaxDeliveryCount (shared/queue/names.ts) deliveries and on
// expiry, and a lock long enough for a build-log scan (the host renews it up to 10 minutes, host.json).
resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [
  for queueName in queueNames: {
    parent: namespace
    name: queueName
    properties: {
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: 'PT1H'
      maxDeliveryCount: 10
      deadLetteringOnMessageExpiration: true
      lockDuration: 'PT5M'
      defaultMessageTimeToLive: 'P14D'
      requiresSession: false
      enablePartitioning: false
      maxSizeInMegabytes: 1024
    }
  }
]

output name string = namespace.name
output id string = namespace.id
// `<name>.servicebus.windows.net` (or the sovereign-cloud equivalent), taken from the endpoint
// `https://<name>.servicebus.windows.net:443/`.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
output queueNames array = queueNames
