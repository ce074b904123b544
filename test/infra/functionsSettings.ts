// Settings that belong to the Functions host or App Service, not to the app (shared/config.ts SETTINGS).

/** What infra/ sets for the host and the platform in Azure: storage and telemetry by identity, auth without a secret. */
export const AZURE_HOST_SETTINGS: readonly string[] = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID',
  'WEBSITE_AUTH_AAD_ALLOWED_TENANTS',
];

/**
 * Settings a Flex Consumption app must not carry: the runtime lives in functionAppConfig, deployment comes from the
 * blob container, and the storage connection string would need the shared keys that are disabled.
 */
export const FLEX_CONSUMPTION_FORBIDDEN_SETTINGS: readonly string[] = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
  'AzureWebJobsStorage',
];

/** Keys the Functions Core Tools host reads from local.settings.json besides the app's own. */
export const LOCAL_HOST_SETTINGS: readonly string[] = [
  'FUNCTIONS_WORKER_RUNTIME',
  'AzureWebJobsStorage',
  'AzureWebJobsFeatureFlags',
  'AzureWebJobsSecretStorageType',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'languageWorkers__node__arguments',
];
