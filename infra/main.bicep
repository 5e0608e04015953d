// graph-phones infrastructure, deployed by `azd up` (azd provision) at subscription scope:
// a resource group holding a Flex Consumption function app with a user-assigned managed identity,
// its identity-only host storage, Application Insights (Entra-authenticated ingestion) and a
// Cosmos DB for NoSQL account without keys. See README.md, Deploy.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the unique token in resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or service principal (azd fills AZURE_PRINCIPAL_ID). When set and grantDeployerDataAccess is true, it gets Cosmos DB data access so the service can run locally against the deployed account.')
param principalId string = ''

@description('Give principalId the Cosmos DB Built-in Data Contributor role (for local runs and debugging). Set false in CI and production.')
param grantDeployerDataAccess bool = true

@description('Name of the resource group; empty means rg-<environmentName>.')
param resourceGroupName string = ''

// ---- Service settings (contract section 6) ----

@description('AUTH_TENANT_ID: Entra tenant whose tokens the API accepts. Empty means the tenant of this deployment.')
param authTenantId string = ''

@minLength(1)
@description('AUTH_AUDIENCE: accepted token audiences, comma separated: the API app registration\'s App ID URI and/or its client id (v1 tokens carry the URI you asked for, v2 tokens the client id).')
param authAudience string

@description('AUTH_ISSUER: explicit accepted issuers, comma separated. Empty: the tenant\'s v1 and v2 issuers.')
param authIssuer string = ''

@description('AUTH_JWKS_URI: explicit signing key set URL. Empty: the tenant\'s Entra key set.')
param authJwksUri string = ''

@description('COSMOS_DATABASE: database name.')
param cosmosDatabaseName string = 'graph-phones'

@description('COSMOS_PHONE_METHODS_CONTAINER: container of phone authentication methods.')
param cosmosPhoneMethodsContainerName string = 'phoneMethods'

@description('COSMOS_PROFILE_PHONES_CONTAINER: container of profile phones.')
param cosmosProfilePhonesContainerName string = 'profilePhones'

@description('COSMOS_SMS_SIGN_IN_NUMBERS_CONTAINER: container of phone numbers enabled for SMS sign-in (partition key /id).')
param cosmosSmsSignInNumbersContainerName string = 'smsSignInNumbers'

@description('SMS_SIGN_IN_ENABLED: new mobile phone methods are `ready` for SMS sign-in.')
param smsSignInEnabled bool = false

@minValue(1)
@maxValue(250)
@description('MAX_PROFILE_PHONES_PER_USER: profile phones one user may have.')
param maxProfilePhonesPerUser int = 100

@description('PUBLIC_BASE_URL: the origin the API builds links from (Location, @odata.context, @odata.nextLink), e.g. a custom domain. Empty: https://<the function app default host name>.')
param publicBaseUrl string = ''

@minValue(256)
@maxValue(1048576)
@description('MAX_BODY_BYTES: request body limit in bytes.')
param maxBodyBytes int = 16384

@description('DIRECTORY_ENDPOINT: Microsoft Graph, where {userId} (object id or user principal name) is resolved; `none` turns lookups off (object ids and the caller\'s own UPN only). The identity needs User.ReadBasic.All: the post-provision hook grants it.')
param directoryEndpoint string = 'https://graph.microsoft.com'

@minValue(1)
@maxValue(86400)
@description('DIRECTORY_CACHE_SECONDS: how long a resolved user is remembered.')
param directoryCacheSeconds int = 300

// ---- Capacity ----

@allowed([
  'serverless'
  'autoscale'
])
@description('Cosmos DB capacity mode. serverless (default): pay per request. autoscale: provisioned autoscale throughput shared by the containers. The mode of an existing account cannot be changed by redeploying.')
param cosmosThroughputMode string = 'serverless'

@minValue(1000)
@maxValue(1000000)
@description('Autoscale maximum RU/s of the database (autoscale mode only).')
param cosmosAutoscaleMaxThroughput int = 1000

@allowed([
  512
  2048
  4096
])
@description('Memory of each function app instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound of function app instances.')
param maximumInstanceCount int = 100

@minValue(0)
@description('Always-ready instances for the http trigger group (billed while idle). 0: scale to zero.')
param httpAlwaysReadyInstanceCount int = 0

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var effectiveTenantId = empty(authTenantId) ? tenant().tenantId : authTenantId

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    metricsPublisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    blobDataOwnerPrincipalId: identity.outputs.principalId
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    accountName: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    phoneMethodsContainerName: cosmosPhoneMethodsContainerName
    profilePhonesContainerName: cosmosProfilePhonesContainerName
    smsSignInNumbersContainerName: cosmosSmsSignInNumbersContainerName
    throughputMode: cosmosThroughputMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: grantDeployerDataAccess ? principalId : ''
  }
}

module api 'modules/functionapp.bicep' = {
  name: 'api'
  scope: rg
  params: {
    planName: '${abbrs.webServerFarms}${resourceToken}'
    appName: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpAlwaysReadyInstanceCount: httpAlwaysReadyInstanceCount
    authTenantId: effectiveTenantId
    authAudience: authAudience
    authIssuer: authIssuer
    authJwksUri: authJwksUri
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    cosmosPhoneMethodsContainerName: cosmos.outputs.phoneMethodsContainerName
    cosmosProfilePhonesContainerName: cosmos.outputs.profilePhonesContainerName
    cosmosSmsSignInNumbersContainerName: cosmos.outputs.smsSignInNumbersContainerName
    smsSignInEnabled: smsSignInEnabled
    maxProfilePhonesPerUser: maxProfilePhonesPerUser
    publicBaseUrl: publicBaseUrl
    maxBodyBytes: maxBodyBytes
    directoryEndpoint: directoryEndpoint
    directoryCacheSeconds: directoryCacheSeconds
  }
}

// azd stores these outputs in .azure/<env>/.env.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.accountName
output AUTH_TENANT_ID string = effectiveTenantId
output AUTH_AUDIENCE string = authAudience
// For the post-provision hook (infra/hooks/grant-directory-permission.sh): whom to grant User.ReadBasic.All.
output AZURE_APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output DIRECTORY_ENDPOINT string = directoryEndpoint
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output COSMOS_PHONE_METHODS_CONTAINER string = cosmos.outputs.phoneMethodsContainerName
output COSMOS_PROFILE_PHONES_CONTAINER string = cosmos.outputs.profilePhonesContainerName
output COSMOS_SMS_SIGN_IN_NUMBERS_CONTAINER string = cosmos.outputs.smsSignInNumbersContainerName
output PUBLIC_BASE_URL string = api.outputs.publicBaseUrl
