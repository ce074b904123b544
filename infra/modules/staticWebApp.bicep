// The SPA (web/dist). Free tier: static files only; the API is the Function App on its own origin, which allows
// exactly this origin through CORS and as a post-login redirect.
param name string
param location string
param tags object

resource staticSite 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: 'Free'
    tier: 'Free'
  }
  properties: {
    provider: 'Custom'
  }
}

output name string = staticSite.name
output origin string = 'https://${staticSite.properties.defaultHostname}'
