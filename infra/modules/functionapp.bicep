// The function app: a Flex Consumption (FC1) plan and a Linux function app running Node.js 22 under a
// user-assigned managed identity. No secret reaches the app: host storage, the deployment package,
// Application Insights and Cosmos DB are all reached with that identity.

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app (it becomes <name>.azurewebsites.net).')
param appName string

@description('Region of the plan and the app (it must offer Flex Consumption).')
param location string

@description('Tags applied to the plan and the app.')
param tags object

@description('azd service name; the app is tagged azd-service-name=<serviceName> so `azd deploy` finds it.')
param serviceName string = 'api'

@description('Resource id of the user-assigned managed identity of the app.')
param identityId string

@description('Client id of the user-assigned managed identity of the app.')
param identityClientId string

@description('Name of the host storage account (AzureWebJobsStorage).')
param storageAccountName string

@description('Name of the blob container that holds the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@allowed([
  512
  2048
  4096
])
@description('Memory of each instance, in MB.')
param instanceMemoryMB int

@minValue(1)
@maxValue(1000)
@description('Upper bound of instances the app scales out to.')
param maximumInstanceCount int

@minValue(0)
@description('Always-ready instances for the `http` trigger group; 0 means scale to zero.')
param httpAlwaysReadyInstanceCount int

// Service settings (contract section 6). Names are the keys of configSchema in shared/config.ts.
@description('AUTH_TENANT_ID: the Entra tenant whose tokens are accepted.')
param authTenantId string

@description('AUTH_AUDIENCE: accepted audiences, comma separated.')
param authAudience string

@description('AUTH_ISSUER: explicit issuer list; empty derives it from the tenant.')
param authIssuer string

@description('AUTH_JWKS_URI: explicit key set URL; empty derives it from the tenant.')
param authJwksUri string

@description('COSMOS_ENDPOINT: the Cosmos DB account endpoint.')
param cosmosEndpoint string

@description('COSMOS_DATABASE: the database name.')
param cosmosDatabaseName string

@description('COSMOS_PHONE_METHODS_CONTAINER: the phone methods container name.')
param cosmosPhoneMethodsContainerName string

@description('COSMOS_PROFILE_PHONES_CONTAINER: the profile phones container name.')
param cosmosProfilePhonesContainerName string

@description('COSMOS_SMS_SIGN_IN_NUMBERS_CONTAINER: the SMS sign-in numbers container name.')
param cosmosSmsSignInNumbersContainerName string

@description('SMS_SIGN_IN_ENABLED: new mobile methods are `ready` for SMS sign-in.')
param smsSignInEnabled bool

@minValue(1)
@maxValue(250)
@description('MAX_PROFILE_PHONES_PER_USER: profile phones one user may have.')
param maxProfilePhonesPerUser int

@description('PUBLIC_BASE_URL: the origin links are built from; empty means https://<default host name of this app>.')
param publicBaseUrl string

@description('MAX_BODY_BYTES: request body limit in bytes.')
param maxBodyBytes int

@description('DIRECTORY_ENDPOINT (Microsoft Graph, or none).')
param directoryEndpoint string

@description('DIRECTORY_CACHE_SECONDS.')
param directoryCacheSeconds int

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var effectivePublicBaseUrl = empty(publicBaseUrl) ? 'https://${site.properties.defaultHostName}' : publicBaseUrl

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
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

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
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
    publicNetworkAccess: 'Enabled'
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'node'
        version: '22'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: httpAlwaysReadyInstanceCount > 0 ? [
          {
            name: 'http'
            instanceCount: httpAlwaysReadyInstanceCount
          }
        ] : []
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
    }
  }
}

// The app settings, as their own resource so they can name the app's default host name (the site's
// own properties cannot refer to it). This resource replaces the whole settings list on every deploy.
// Flex Consumption takes the runtime from functionAppConfig: no FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION or WEBSITE_* deployment settings here.
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // DefaultAzureCredential (the Cosmos DB client) picks the user-assigned identity by this id.
    AZURE_CLIENT_ID: identityClientId
    AUTH_TENANT_ID: authTenantId
    AUTH_AUDIENCE: authAudience
    AUTH_ISSUER: authIssuer
    AUTH_JWKS_URI: authJwksUri
    COSMOS_ENDPOINT: cosmosEndpoint
    COSMOS_DATABASE: cosmosDatabaseName
    COSMOS_PHONE_METHODS_CONTAINER: cosmosPhoneMethodsContainerName
    COSMOS_PROFILE_PHONES_CONTAINER: cosmosProfilePhonesContainerName
    COSMOS_SMS_SIGN_IN_NUMBERS_CONTAINER: cosmosSmsSignInNumbersContainerName
    SMS_SIGN_IN_ENABLED: smsSignInEnabled ? 'true' : 'false'
    MAX_PROFILE_PHONES_PER_USER: string(maxProfilePhonesPerUser)
    MAX_BODY_BYTES: string(maxBodyBytes)
    DIRECTORY_ENDPOINT: directoryEndpoint
    DIRECTORY_CACHE_SECONDS: string(directoryCacheSeconds)
    PUBLIC_BASE_URL: effectivePublicBaseUrl
  }
}

// Basic (user name and password) publishing is off for both FTP and the SCM site; deployments use
// Microsoft Entra tokens (azd, az, GitHub Actions with OIDC).
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
output publicBaseUrl string = effectivePublicBaseUrl
