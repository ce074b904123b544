// azd predeploy hook of the web service: tells the built SPA where its API lives. The SPA reads config.json beside
// index.html at start (web/src/runtimeConfig.ts), so the same build works locally (same origin) and in Azure (the
// Function App's origin). Plain Node, no dependencies: it runs on the deploying machine's Node.
// Usage: node infra/hooks/writeWebConfig.mjs [path]   (path defaults to web/dist/config.json; reads SERVICE_API_URI)
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The config.json body for an API origin; refuses anything but an absolute https URL. */
export function webConfig(apiUri) {
  const value = (apiUri ?? '').trim();
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`SERVICE_API_URI is not an absolute URL: "${value}" (run azd provision first)`);
  }
  if (url.protocol !== 'https:') throw new Error(`SERVICE_API_URI must be https, got "${value}"`);
  return `${JSON.stringify({ apiBase: value.replace(/\/+$/, '') })}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const target = process.argv[2] ?? 'web/dist/config.json';
  try {
    writeFileSync(target, webConfig(process.env.SERVICE_API_URI));
    console.log(`wrote ${target}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
