// The AKS dashboard in one subscription: `azd up` provisions this, then deploys the api (Function App) and the web (SPA).
// Subscription scope because it creates the resource group, a custom role definition, and role assignments on the
// monitored resource groups (which live outside the app's own resource group).
targetScope = 'subscription'

metadata description = 'AKS dashboard: Flex Consumption Function App, identity-only storage, App Service Authentication, Static Web App.'

@minLength(1)
@maxLength(64)
@description('azd environment name; the resource group and every name derive from it.')
param environmentName string

@minLength(1)
@description('Region of the Function App, storage and monitoring. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
@metadata({ azd: { type: 'location' } })
param location string

@minLength(1)
@description('Comma-separated resource groups whose AKS clusters the dashboard may see and act on: "rg-a,rg-b", or "subscriptionId/rg" for one in another subscription of the tenant. They must exist.')
param monitoredResourceGroups string

@description('Read Kubernetes with listClusterAdminCredential (client certificate) instead of user credentials + Entra token. Grants that action too.')
param useAdminCredentials bool = false

@allowed([
  '22'
  '24'
])
@description('Node.js major version of the Function App. 24 is what the project targets; 22 is the fallback where 24 is not offered yet.')
param nodeVersion string = '24'

@minValue(40)
@maxValue(1000)
@description('Upper bound of Flex Consumption instances (the platform minimum is 40).')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Memory of one Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@description('NCRONTAB (with seconds) of the background refresh timer. Every run is a billed execution, also at idle.')
param refreshSchedule string = '*/15 * * * * *'

@description('Label selector of the database warm-up jobs.')
param warmupLabelSelector string = 'app=elb-db-warmup'

@description('Comma-separated key=value label selectors of the work that keeps a cluster busy (idle auto-stop never stops it then).')
param autostopBusySelectors string = 'app=blast,app=elb-db-warmup,app=elb-prepare-db'

@description('Blob container of the monitored storage accounts whose top-level prefixes are the databases.')
param storageDatabaseContainer string = 'blast-db'

@description('Comma-separated repo:tag images the registry card reports as built, missing or building.')
param expectedImages string = 'ncbi/elb:1.4.0,ncbi/elasticblast-job-submit:4.1.0,ncbi/elasticblast-query-split:0.1.4,ncbi/elasticblast-janitor:0.4.0'

@minValue(1)
@description('Daily ingestion cap of the Log Analytics workspace, in GB (bounds the monitoring bill).')
param logDailyCapGb int = 1

@description('Region of the Static Web App (offered in few regions). Empty: the main location when offered, else westeurope.')
param staticWebAppLocation string = ''

@description('Extra https origin the SPA is also served from (a custom domain on the Static Web App), e.g. https://dashboard.contoso.com. Allowed by CORS and as a post-login redirect.')
param customWebOrigin string = ''

@secure()
@description('Key of the callers\' pseudonyms in inspector captures (HMAC). A new one per deployment by default: pseudonyms change then.')
param inspectorPseudonymKey string = newGuid()

@description('Key Vault secret URI (https://<vault>.vault.azure.net/secrets/<name>) holding NOTIFY_WEBHOOKS, the webhook receivers (their URLs are secrets). Empty: no webhooks. Grant the app\'s identity Key Vault Secrets User on the vault.')
param notifyWebhooksSecretUri string = ''

@description('Key Vault secret URI holding NOTIFY_WEBHOOK_SECRET, the key that signs every webhook delivery (at least 16 characters). Required with notifyWebhooksSecretUri.')
param notifyWebhookSecretUri string = ''

@description('Comma-separated host names (or *.suffix) webhook receivers may have, e.g. "*.logic.azure.com,hooks.slack.com". Empty: any public host.')
param notifyWebhookAllowedHosts string = ''

@description('Object id of the principal running azd (set by azd). It receives deployerAppRole on the dashboard.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principalId (set by azd). App roles are granted to users only.')
param principalType string = 'User'

@allowed([
  ''
  'Dashboard.Read'
  'Cluster.Operate'
  'Cluster.Admin'
])
@description('Dashboard role granted to the deploying user ("" for none). Cluster.Admin can delete clusters: grant it deliberately.')
param deployerAppRole string = 'Cluster.Operate'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var names = {
  resourceGroup: 'rg-${environmentName}'
  identity: 'id-aksdash-${resourceToken}'
  storage: 'staksdash${resourceToken}'
  logAnalytics: 'log-aksdash-${resourceToken}'
  appInsights: 'appi-aksdash-${resourceToken}'
  plan: 'plan-aksdash-${resourceToken}'
  functionApp: 'func-aksdash-${resourceToken}'
  staticWebApp: 'stapp-aksdash-${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  entraApp: 'aks-dashboard-${resourceToken}'
}
var cacheTableName = 'monitorcache'
var inspectorTableName = 'inspector'
var auditTableName = 'audit'
var schedulesTableName = 'schedules'
var pricesTableName = 'prices'
var autostopTableName = 'autostop'
var notifyTableName = 'notifications'

// The dashboard's app roles; the same names go to ROLE_READ / ROLE_OPERATE / ROLE_ADMIN.
var appRoles = {
  read: 'Dashboard.Read'
  operate: 'Cluster.Operate'
  admin: 'Cluster.Admin'
}

// "rg" or "subscriptionId/rg", comma-separated, blanks ignored.
var monitoredEntries = filter(map(split(monitoredResourceGroups, ','), entry => trim(entry)), entry => !empty(entry))
var monitoredScopes = map(monitoredEntries, entry => contains(entry, '/') ? { subscriptionId: toLower(split(entry, '/')[0]), resourceGroup: split(entry, '/')[1] } : { subscriptionId: subscription().subscriptionId, resourceGroup: entry })
// "subscriptionId/*": every resource group of that subscription (roles assigned on the subscription).
var monitoredGroupScopes = filter(monitoredScopes, s => s.resourceGroup != '*')
var monitoredSubscriptions = filter(monitoredScopes, s => s.resourceGroup == '*')

var staticWebAppLocations = [
  'westus2'
  'centralus'
  'eastus2'
  'westeurope'
  'eastasia'
]
var webLocation = !empty(staticWebAppLocation) ? staticWebAppLocation : (contains(staticWebAppLocations, location) ? location : 'westeurope')

// Where the SPA is served from: the Static Web App's default host, plus a custom domain when one is configured.
// An origin is https://host[:port], nothing else: CORS and the login redirect trust it. Bicep has no fail(), so an
// invalid value stops the deployment by parsing its own error message as JSON (the message shows in the error).
var customWebOriginValid = empty(customWebOrigin) || (startsWith(customWebOrigin, 'https://') && length(customWebOrigin) > 8 && !contains(substring(customWebOrigin, 8), '/') && !contains(customWebOrigin, '*'))
var customOrigin = customWebOriginValid ? customWebOrigin : json('customWebOrigin must be https://host[:port] without a path, got: ${customWebOrigin}')
var webOrigins = concat([web.outputs.origin], empty(customOrigin) ? [] : [customOrigin])

var armEndpoint = environment().resourceManager
var tableEndpoint = 'https://${names.storage}.table.${environment().suffixes.storage}'

// Every setting shared/config.ts reads (SETTINGS), except the ones the platform sets (PLATFORM_SETTINGS).
// test/infra/appSettings.test.ts parses this block: keep one `NAME: value` per line.
var appSettings = {
  // Table Storage: the managed identity on the endpoint, no connection string (shared keys are disabled).
  TABLE_STORAGE_CONNECTION_STRING: ''
  TABLE_STORAGE_ENDPOINT: tableEndpoint
  CACHE_TABLE_NAME: cacheTableName
  INSPECTOR_TABLE_NAME: inspectorTableName
  AUDIT_TABLE_NAME: auditTableName
  SCHEDULES_TABLE_NAME: schedulesTableName
  PRICES_TABLE_NAME: pricesTableName
  AUTOSTOP_TABLE_NAME: autostopTableName
  NOTIFY_TABLE_NAME: notifyTableName
  // Audit trail
  AUDIT_RETENTION_DAYS: '400'
  // Idle auto-stop: evaluated every minute on every instance (a stop is claimed first, so one instance acts)
  AUTOSTOP_SCHEDULE: '0 * * * * *'
  AUTOSTOP_BUSY_SELECTORS: autostopBusySelectors
  // Schedules
  SCHEDULES_MAX_PER_CLUSTER: '10'
  SCHEDULES_MAX_PER_SCOPE: '100'
  // Monitor cache
  MONITOR_CACHE_TTL_SECONDS: '30'
  MONITOR_CACHE_SWR_SECONDS: '300'
  MONITOR_CACHE_DEGRADED_TTL_SECONDS: '5'
  MONITOR_CACHE_REUSE_MS: '500'
  MONITOR_CACHE_TRANSITION_TTL_SECONDS: '5'
  TRANSITION_DEADLINE_SECONDS: '600'
  SUBSCRIPTION_NAMES_TTL_SECONDS: '3600'
  // Timer refresh
  REFRESH_SCHEDULE: refreshSchedule
  REFRESH_CONCURRENCY: '4'
  REFRESH_BUDGET_SECONDS: '10'
  // Upstreams: ARM through the user-assigned identity
  UPSTREAM_TIMEOUT_MS: '10000'
  ARM_ENDPOINT: endsWith(armEndpoint, '/') ? substring(armEndpoint, 0, length(armEndpoint) - 1) : armEndpoint
  AZURE_CREDENTIAL: 'managedIdentity'
  AZURE_CLIENT_ID: identity.outputs.clientId
  // Simulated Azure only: empty here.
  STATIC_ACCESS_TOKEN: ''
  STATIC_ACCESS_TOKEN_LIFETIME_SECONDS: ''
  TRUSTED_CA: ''
  // Public VM list prices (no sign-in), read at most daily
  RETAIL_PRICES_ENDPOINT: 'https://prices.azure.com'
  // Kubernetes sessions
  K8S_SESSION_POOL_TTL_SECONDS: '300'
  K8S_SESSION_POOL_MAX_ENTRIES: '32'
  K8S_USE_ADMIN_CREDENTIALS: useAdminCredentials ? 'true' : 'false'
  WARMUP_LABEL_SELECTOR: warmupLabelSelector
  // Storage and container registry cards (blob and registry data planes through the same identity)
  STORAGE_USAGE_MAX_BLOBS: '10000'
  STORAGE_USAGE_TTL_SECONDS: '300'
  STORAGE_DATABASE_CONTAINER: storageDatabaseContainer
  EXPECTED_IMAGES: expectedImages
  REGISTRY_TAGS_PER_REPOSITORY: '5'
  // Request pipeline: App Service Authentication in front, app roles from the Entra app registration.
  AUTH_MODE: 'appService'
  DEV_PRINCIPAL_NAME: ''
  DEV_PRINCIPAL_ROLES: ''
  ROLE_READ: appRoles.read
  ROLE_OPERATE: appRoles.operate
  ROLE_ADMIN: appRoles.admin
  ALLOWED_SCOPES: join(map(monitoredScopes, s => '${s.subscriptionId}/${s.resourceGroup}'), ',')
  INSPECTOR_CAPACITY: '200'
  INSPECTOR_UNCAPTURED_PREFIXES: '/api/monitor,/api/me,/api/inspector,/api/health,/api/audit,/api/cost,/api/schedules,/api/fleet,/api/autostop,/api/notifications'
  INSPECTOR_PSEUDONYM_KEY: inspectorPseudonymKey
  // Notifications: receivers and the signing key as Key Vault references (resolved by the platform with the identity).
  NOTIFY_FEED_RETENTION_DAYS: '30'
  NOTIFY_WEBHOOKS: empty(notifyWebhooksSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${notifyWebhooksSecretUri})'
  NOTIFY_WEBHOOK_SECRET: empty(notifyWebhookSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${notifyWebhookSecretUri})'
  NOTIFY_WEBHOOK_ALLOWED_HOSTS: notifyWebhookAllowedHosts
  NOTIFY_MAX_ATTEMPTS: '8'
  NOTIFY_SCHEDULE: '*/30 * * * * *'
  NOTIFY_ALLOW_LOOPBACK_FOR_TESTS: 'false'
}

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
    dailyCapGb: logDailyCapGb
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: names.deploymentContainer
    tableNames: [
      cacheTableName
      inspectorTableName
      auditTableName
      schedulesTableName
      pricesTableName
      autostopTableName
      notifyTableName
    ]
  }
}

module appAccess 'modules/appAccess.bicep' = {
  name: 'app-access'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module web 'modules/staticWebApp.bicep' = {
  name: 'web'
  scope: rg
  params: {
    name: names.staticWebApp
    location: webLocation
    tags: tags
  }
}

module api 'modules/functionApp.bicep' = {
  name: 'api'
  scope: rg
  dependsOn: [
    appAccess // the host reaches storage by identity from its first start
  ]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    appSettings: appSettings
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    allowedOrigins: webOrigins
  }
}

module entraApp 'modules/entraApp.bicep' = {
  name: 'entra-app'
  scope: rg
  params: {
    uniqueName: names.entraApp
    displayName: 'AKS dashboard (${environmentName})'
    apiHostName: api.outputs.defaultHostName
    webOrigins: webOrigins
    managedIdentityPrincipalId: identity.outputs.principalId
    appRoleNames: appRoles
    deployerPrincipalId: principalType == 'User' ? principalId : ''
    deployerAppRole: deployerAppRole
  }
}

module apiAuth 'modules/functionAuth.bicep' = {
  name: 'api-auth'
  scope: rg
  params: {
    functionAppName: api.outputs.name
    clientId: entraApp.outputs.clientId
    allowedAudiences: entraApp.outputs.audiences
    webOrigins: webOrigins
  }
}

module roleDefinitions 'modules/roleDefinitions.bicep' = {
  name: 'aksdash-roles-${resourceToken}'
  params: {
    nameSuffix: '${environmentName}-${resourceToken}'
    assignableScopes: map(monitoredScopes, s => s.resourceGroup == '*' ? '/subscriptions/${s.subscriptionId}' : '/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}')
    includeAdminSessionActions: useAdminCredentials
  }
}

module monitoredAccess 'modules/monitoredScopeAccess.bicep' = [
  for (target, i) in monitoredGroupScopes: {
    name: 'aksdash-access-${resourceToken}-${i}'
    scope: resourceGroup(target.subscriptionId, target.resourceGroup)
    params: {
      principalId: identity.outputs.principalId
      clusterOperatorRoleGuid: roleDefinitions.outputs.clusterOperatorRoleGuid
      kubernetesReaderRoleGuid: roleDefinitions.outputs.kubernetesReaderRoleGuid
    }
  }
]

module monitoredSubscriptionAccess 'modules/monitoredSubscriptionAccess.bicep' = [
  for (target, i) in monitoredSubscriptions: {
    name: 'aksdash-subaccess-${resourceToken}-${i}'
    scope: subscription(target.subscriptionId)
    params: {
      principalId: identity.outputs.principalId
      clusterOperatorRoleGuid: roleDefinitions.outputs.clusterOperatorRoleGuid
      kubernetesReaderRoleGuid: roleDefinitions.outputs.kubernetesReaderRoleGuid
    }
  }
]

// azd saves these in the environment (.azure/<env>/.env); hooks and the README's commands use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output SERVICE_WEB_NAME string = web.outputs.name
output SERVICE_WEB_URI string = web.outputs.origin
output AUTH_CLIENT_ID string = entraApp.outputs.clientId
output AUTH_SERVICE_PRINCIPAL_ID string = entraApp.outputs.servicePrincipalId
output AUTH_APP_ROLE_IDS object = entraApp.outputs.appRoleIds
output AUTH_API_SCOPE string = entraApp.outputs.apiScope
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output CLUSTER_OPERATOR_ROLE_NAME string = roleDefinitions.outputs.clusterOperatorRoleName
output KUBERNETES_READER_ROLE_NAME string = roleDefinitions.outputs.kubernetesReaderRoleName
output ALLOWED_SCOPES string = appSettings.ALLOWED_SCOPES
