// App Service Authentication (authsettingsV2) on the API: Entra ID sign-in, no client secret (the managed identity's
// federated credential, named by OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID), 401 for unauthenticated API calls. The app
// then trusts x-ms-client-principal (AUTH_MODE=appService) and checks the app roles it carries.
param functionAppName string
param clientId string
param allowedAudiences array
@description('https origins of the SPA: the only places a sign-in may redirect back to.')
param webOrigins array

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      // Reachability only (ok/unreachable per dependency); probes and uptime checks call it without a token.
      excludedPaths: [
        '/api/health'
      ]
    }
    httpSettings: {
      requireHttps: true
      routes: {
        apiPrefix: '/.auth'
      }
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          clientId: clientId
          clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
        }
        validation: {
          allowedAudiences: allowedAudiences
        }
      }
    }
    login: {
      // Flex Consumption has no shared file system for a token store, and the app needs no stored tokens.
      tokenStore: {
        enabled: false
      }
      allowedExternalRedirectUrls: webOrigins
      preserveUrlFragmentsForLogins: true
    }
  }
}
