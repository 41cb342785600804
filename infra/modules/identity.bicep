// The one user-assigned managed identity the Function App runs as. Every data-plane permission
// (Service Bus, Cosmos DB, Key Vault, host storage, Application Insights) is granted to it in
// roleAssignments.bicep; no service in this deployment accepts keys.

@description('Name of the user-assigned managed identity.')
param name string

param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
