// Key Vault for tokens and shared secrets (the hook secrets of shared/vault/port.ts, PATs named in
// organization settings). RBAC mode only (no access policies); soft delete and purge protection on.

param name string
param location string
param tags object = {}

@description('Days a deleted secret can be recovered (7-90). Purge protection keeps it that long.')
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
