// Azure Cosmos DB for NoSQL: the account, the database and the three containers of the service,
// and data-plane access for the app identity (and, optionally, the deploying user). Keys are disabled:
// the app authenticates with its managed identity, and only the infrastructure creates the database
// and containers (key-based metadata writes are disabled too).

@description('Name of the Cosmos DB account (3-44 lowercase letters, digits and hyphens).')
param accountName string

@description('Region of the account (single region).')
param location string

@description('Tags applied to the account.')
param tags object

@description('Name of the database.')
param databaseName string

@description('Name of the container of phone authentication methods.')
param phoneMethodsContainerName string

@description('Name of the container of profile phones.')
param profilePhonesContainerName string

@description('Name of the container that maps each phone number enabled for SMS sign-in to its user (one document per number, id = the normalized number).')
param smsSignInNumbersContainerName string

@allowed([
  'serverless'
  'autoscale'
])
@description('serverless: pay per request (cannot be switched to provisioned throughput by redeploying). autoscale: shared autoscale throughput on the database.')
param throughputMode string

@minValue(1000)
@maxValue(1000000)
@description('Autoscale maximum RU/s shared by the containers (autoscale mode only).')
param autoscaleMaxThroughput int

@description('Principal (object) id of the app identity; it gets the built-in Data Contributor role.')
param appPrincipalId string

@description('Principal (object) id of the deploying user or service principal; when not empty it gets the built-in Data Contributor role too.')
param userPrincipalId string = ''

// The repository's single definition of the indexing policy (point reads and writes only: no path is
// indexed). The local emulator bootstrap reads the same file. The path is relative to this file.
var indexingPolicy = loadJsonContent('../../shared/storage/indexingPolicy.json')

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: throughputMode == 'serverless' ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: throughputMode == 'autoscale' ? {
      autoscaleSettings: {
        maxThroughput: autoscaleMaxThroughput
      }
    } : {}
  }
}

resource phoneMethodsContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: phoneMethodsContainerName
  properties: {
    resource: {
      id: phoneMethodsContainerName
      partitionKey: {
        paths: [
          '/userId'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: indexingPolicy
    }
  }
}

resource profilePhonesContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: profilePhonesContainerName
  properties: {
    resource: {
      id: profilePhonesContainerName
      partitionKey: {
        paths: [
          '/userId'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: indexingPolicy
    }
  }
}

// One document per phone number: the id is the normalized number and is also the partition key, so
// claiming a number for SMS sign-in is a point write that conflicts when another user holds it.
resource smsSignInNumbersContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: smsSignInNumbersContainerName
  properties: {
    resource: {
      id: smsSignInNumbersContainerName
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: indexingPolicy
    }
  }
}

// Built-in "Cosmos DB Built-in Data Contributor" (data plane: read and write items, read metadata;
// it cannot create or delete databases or containers). Assigned at account scope because the SDK reads
// account metadata when it starts; the account holds nothing but this app's data.
resource appDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, appPrincipalId, '00000000-0000-0000-0000-000000000002')
  properties: {
    roleDefinitionId: resourceId('Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions', account.name, '00000000-0000-0000-0000-000000000002')
    principalId: appPrincipalId
    scope: account.id
  }
}

resource userDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = if (!empty(userPrincipalId)) {
  parent: account
  name: guid(account.id, userPrincipalId, '00000000-0000-0000-0000-000000000002')
  properties: {
    roleDefinitionId: resourceId('Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions', account.name, '00000000-0000-0000-0000-000000000002')
    principalId: userPrincipalId
    scope: account.id
  }
}

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output phoneMethodsContainerName string = phoneMethodsContainer.name
output profilePhonesContainerName string = profilePhonesContainer.name
output smsSignInNumbersContainerName string = smsSignInNumbersContainer.name
