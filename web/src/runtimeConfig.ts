// Where the API lives. Same origin by default (`/api/...`, as under `npm start`). For Azure, where the
// static site and the Function App have different origins, either
//   - deploy a config.json beside index.html: { "apiBase": "https://<function-app>.azurewebsites.net" }, or
//   - bake it in at build time: <meta name="api-base" content="https://..."> in index.html.
// config.json wins over the meta tag (it can change without a rebuild). The value is an origin plus
// an optional path prefix, without the trailing /api.

export interface RuntimeConfig {
  apiBase: string;
}

function validBase(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  try {
    const url = new URL(trimmed);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return trimmed.replace(/\/+$/, '');
  } catch {
    console.warn(`api base "${trimmed}" is not an absolute http(s) URL; using the page's origin`);
    return undefined;
  }
}

export async function loadRuntimeConfig(doc: Document, fetchFn: typeof fetch): Promise<RuntimeConfig> {
  const fromMeta = validBase(doc.querySelector('meta[name="api-base"]')?.getAttribute('content'));
  let fromFile: string | undefined;
  try {
    const response = await fetchFn(new URL('config.json', doc.baseURI).toString(), {
      cache: 'no-store',
      signal: AbortSignal.timeout(3000),
    });
    if (response.ok) fromFile = validBase(((await response.json()) as { apiBase?: unknown } | null)?.apiBase);
  } catch {
    // no config.json (or not JSON): same origin
  }
  return { apiBase: fromFile ?? fromMeta ?? '' };
}
