// Host storage of the function app (AzureWebJobsStorage) and the blob container that holds the
// Flex Consumption deployment package. Reachable by Microsoft Entra identities only: shared keys and
// anonymous blob access are off.

@description('Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Region of the storage account.')
param location string

@description('Tags applied to the storage account.')
param tags object

@description('Name of the blob container for the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Principal (object) id of the app identity; it gets Storage Blob Data Owner on this account.')
param blobDataOwnerPrincipalId string

// Built-in role "Storage Blob Data Owner": what the Functions host needs on AzureWebJobsStorage
// (blob read/write, container creation for keys and leases) and what Flex needs to read the package.
// No queue or table role: this app has only HTTP triggers and no Durable Functions (see README.md, Deploy).
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, blobDataOwnerPrincipalId, storageBlobDataOwnerRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = storage.name
output deploymentContainerName string = deploymentContainer.name
