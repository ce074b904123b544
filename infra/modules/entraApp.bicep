// The dashboard's Entra ID app registration (Microsoft Graph Bicep extension, see ../bicepconfig.json):
// - sign-in for App Service Authentication on the API (web redirect), with no secret: the app's user-assigned
//   managed identity is its federated credential (OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID on the Function App);
// - an API scope and an SPA redirect, so the SPA may also call the API with MSAL bearer tokens;
// - the app roles the code checks (ROLE_READ / ROLE_OPERATE / ROLE_ADMIN); only assigned users may sign in.
extension microsoftGraphV1

param uniqueName string
param displayName string
@description('Default host name of the Function App (App Service Authentication callback).')
param apiHostName string
@description('https origins the SPA is served from.')
param webOrigins array
param managedIdentityPrincipalId string
@description('{ read, operate, admin } role values.')
param appRoleNames object
@description('Object id of a user to grant deployerAppRole; empty for none.')
param deployerPrincipalId string
param deployerAppRole string

var identifierUri = 'api://${tenant().tenantId}/${uniqueName}'
var issuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var roleDescriptions = {
  read: 'Read the dashboard: clusters, nodes, pods, events, warm-up status.'
  operate: 'Start and stop clusters (includes reading).'
  admin: 'Delete clusters (includes starting, stopping and reading).'
}
var appRoles = map(items(appRoleNames), role => {
  id: guid(uniqueName, 'app-role', role.value)
  value: role.value
  displayName: role.value
  description: roleDescriptions[role.key]
  allowedMemberTypes: [
    'User'
  ]
  isEnabled: true
})
var userImpersonationScopeId = guid(uniqueName, 'scope', 'user_impersonation')

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  identifierUris: [
    identifierUri
  ]
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: userImpersonationScopeId
        value: 'user_impersonation'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Use the AKS dashboard'
        adminConsentDescription: 'Lets the dashboard call its API as the signed-in user.'
        userConsentDisplayName: 'Use the AKS dashboard'
        userConsentDescription: 'Lets the dashboard call its API as you.'
      }
    ]
  }
  appRoles: appRoles
  web: {
    redirectUris: [
      'https://${apiHostName}/.auth/login/aad/callback'
    ]
    implicitGrantSettings: {
      enableIdTokenIssuance: true
    }
  }
  spa: {
    redirectUris: map(webOrigins, origin => '${origin}/')
  }

  resource managedIdentityCredential 'federatedIdentityCredentials@v1.0' = {
    name: '${app.uniqueName}/function-app-identity'
    description: 'The Function App\'s user-assigned identity, used by App Service Authentication instead of a client secret.'
    audiences: [
      'api://AzureADTokenExchange'
    ]
    issuer: issuer
    subject: managedIdentityPrincipalId
  }
}

resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
  appRoleAssignmentRequired: true
}

// The deploying user gets one role so the dashboard is usable right after `azd up`; grant others as the README shows.
resource deployerAssignment 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (!empty(deployerPrincipalId) && !empty(deployerAppRole)) {
  appRoleId: guid(uniqueName, 'app-role', deployerAppRole)
  principalId: deployerPrincipalId
  resourceId: servicePrincipal.id
}

output clientId string = app.appId
output servicePrincipalId string = servicePrincipal.id
output apiScope string = '${identifierUri}/user_impersonation'
@description('Tokens App Service Authentication accepts: v2 access tokens carry the client id, v1 the identifier URI.')
output audiences array = [
  app.appId
  identifierUri
]
output appRoleIds object = toObject(appRoles, role => role.value, role => role.id)
