// The app's one identity: storage (host and tables), ARM and Kubernetes, App Insights ingestion, and the federated
// credential App Service Authentication presents to Entra ID instead of a client secret. Assigned to this app only.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
