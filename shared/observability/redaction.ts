// Secrets never leave the process in logs, errors or captures. Three nets: header names, JSON field names, and
// patterns inside any string (bearer tokens, JWTs, PEM blocks and their base64, base64 kubeconfigs, key: value pairs).

export const REDACTED = '[redacted]';

/** Headers that carry credentials or the caller's identity. Any header whose name looks secret is redacted too. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-ms-client-principal',
  'x-functions-key',
]);

/** Field names whose values are secrets, wherever they appear (JSON, YAML, key=value, connection strings, CLI flags). */
const SECRET_NAME = /token|secret|password|passwd|passphrase|pwd|key|credential|kubeconfig|certificate|signature|authorization|cookie/i;

/** Query parameters that carry secrets under innocent names (Functions keys, SAS signatures). */
const SECRET_QUERY_NAMES: ReadonlySet<string> = new Set(['code', 'sig']);

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

// Every pattern below is linear in the input: a run is taken whole where it starts (a lookbehind rules out starts
// inside a run), alternatives are disjoint, and nothing nests a quantifier over a quantified group that can fail.

// name: value / name=value / name => value / "name": "value" (YAML, env files, connection strings, query strings,
// JSON-ish text). The name is taken whole and at once, only where a run of name characters starts ((?<!…) and the
// atomic (?=(x+))\2), so long runs of letters cost linear time; the replacer decides whether the name looks secret,
// and looks inside the values of other names.
const NAME_VALUE = /(["']?)(?<![A-Za-z0-9_.-])(?=([A-Za-z0-9_.-]+))\2\1(\s*(?:=>|[:=])\s*)("(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|[^\s,;&"'{}[\]]+)/g;
const MAX_NESTING = 8;

function redactNameValues(text: string, nesting = 0): string {
  if (!SECRET_NAME.test(text)) return text;
  return text.replace(NAME_VALUE, (_m: string, quote: string, name: string, separator: string, value: string) => {
    const quoted = value.startsWith('"') || value.startsWith("'");
    let safe: string;
    if (isSecretName(name) || nesting >= MAX_NESTING) safe = quoted ? `${value[0]}${REDACTED}${value[0]}` : REDACTED;
    else if (quoted) safe = `${value[0]}${redactNameValues(value.slice(1, -1), nesting + 1)}${value[0]}`;
    else safe = redactNameValues(value, nesting + 1);
    return `${quote}${name}${quote}${separator}${safe}`;
  });
}

/** What a decoded base64 run holds when it is a kubeconfig, a PEM block or a credential file. */
const SECRET_FILE_MARKERS =
  /-----BEGIN |apiVersion|client-key-data|client-certificate-data|certificate-authority-data|current-context|\btoken\s*[:=]|"token"\s*:/;
/** Below this length a base64 run is an id, a hash or a digest, not a file. */
const MIN_BASE64_FILE_CHARS = 40;

/** A base64 run (one line, or lines wrapped at any width) is redacted when it decodes to a secret file. */
function redactBase64File(run: string): string {
  if (run.replace(/\s+/g, '').length < MIN_BASE64_FILE_CHARS) return run;
  const decoded = Buffer.from(run.replace(/\s+/g, ''), 'base64').toString('latin1');
  return SECRET_FILE_MARKERS.test(decoded) ? REDACTED : run;
}

/** Tokens whose prefix says what they are (GitHub, GitLab, Slack, npm, AWS access keys). */
const PREFIXED_TOKEN =
  /(?<![A-Za-z0-9_-])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{30,}|(?:AKIA|ASIA)[0-9A-Z]{16})/g;

const TEXT_PATTERNS: [RegExp, string | ((...m: string[]) => string)][] = [
  // PEM blocks, also cut short (no END line) and with escaped newlines inside JSON text.
  [/-----BEGIN [^\r\n-]{1,64}-----[\s\S]*?(?:-----END [^\r\n-]{1,64}-----|$)/g, REDACTED],
  // base64 of "-----BEGIN" (kubeconfig client-key-data, certificate-authority-data, …) and of "apiVersion" (a
  // kubeconfig), also wrapped over lines that hold nothing else.
  [/(?:LS0tLS1CRUdJT|YXBpVmVyc2lvbj)(?:[A-Za-z0-9+/=]|\r?\n(?=[A-Za-z0-9+/=]+\r?$))*/gm, REDACTED],
  // Any longer base64 run, on one line or wrapped, that decodes to a kubeconfig, a key or a token file.
  [/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16,}={0,2}(?:\r?\n(?=[A-Za-z0-9+/]+={0,2}\r?$)[A-Za-z0-9+/]+={0,2})*(?![A-Za-z0-9+/=])/gm, redactBase64File],
  // Credentials in URLs: scheme://user:password@host keeps the user, drops the password.
  [/(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@?#]*:)[^\s/@?#]+@/g, (_m, prefix) => `${prefix}${REDACTED}@`],
  // Authorization schemes followed by a credential, and an Authorization value under any scheme.
  [/\b(Bearer|Basic|Digest|SharedKey|SharedAccessSignature)(\s+)[A-Za-z0-9\-._~+/:=%&]+/gi, (_m, scheme, space) => `${scheme}${space}${REDACTED}`],
  [/\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?[A-Za-z]+)(\s+)[^\s"',;]+/gi, (_m, head, space) => `${head}${space}${REDACTED}`],
  // SAS signatures and Functions keys in URLs, and a SAS token's sig= wherever it stands.
  [/([?&](?:sig|code)=)[^&\s#"']+/gi, (_m, prefix) => `${prefix}${REDACTED}`],
  [/(?<![A-Za-z0-9_?&])(sig=)[^&\s#"';]+/gi, (_m, prefix) => `${prefix}${REDACTED}`],
  // CLI flags that take a secret as the next word: --password x, --client-secret "x y", --token x.
  [
    /(?<![A-Za-z0-9_-])(--?[A-Za-z][A-Za-z0-9_-]*)([ \t]+)(?!-)("[^"\r\n]*"|'[^'\r\n]*'|[^\s"']+)/g,
    (m, flag, space, value) =>
      isSecretName(flag) ? `${flag}${space}${value.startsWith('"') || value.startsWith("'") ? `${value[0]}${REDACTED}${value[0]}` : REDACTED}` : m,
  ],
  // Kubernetes env entries: {"name": "DB_PASSWORD", "value": "…"}.
  [/("name"\s*:\s*"([^"\\\r\n]{1,128})"\s*,\s*"value"\s*:\s*)"(?:[^"\\\r\n]|\\.)*"/g, (m, head, name) => (isSecretName(name) ? `${head}"${REDACTED}"` : m)],
  [PREFIXED_TOKEN, REDACTED],
  // JWTs wherever they stand, also URL-encoded (%2E between the parts): a whole run starting with eyJ (one greedy
  // match per run: linear), if shaped like a JWT.
  [/\beyJ[A-Za-z0-9_.%-]*/g, (run) => (/^eyJ[A-Za-z0-9_-]+(?:\.|%2[Ee])[A-Za-z0-9_-]+(?:\.|%2[Ee])/.test(run) ? REDACTED : run)],
];

/** Redacts secrets inside free text: log lines, raw bodies, string values, workload and upstream messages. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) {
    out = out.replace(pattern, replacement as never);
  }
  return redactNameValues(out);
}

const MAX_DEPTH = 32;

/** Redacts a JSON-like value: secret-named fields entirely, secrets inside strings by pattern. Returns a copy. */
export function redactJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redactJson(item, depth + 1));
  const out: Record<string, unknown> = {};
  // A Kubernetes env entry names its secret in `name` and carries it in `value`.
  const secretEntry = typeof (value as { name?: unknown }).name === 'string' && isSecretName((value as { name: string }).name);
  for (const [name, item] of Object.entries(value)) {
    out[name] = isSecretName(name) || (secretEntry && name === 'value') ? REDACTED : redactJson(item, depth + 1);
  }
  return out;
}

/** Headers as a plain record, secrets replaced. */
export function redactHeaders(headers: Iterable<[string, string]> | Record<string, string>): Record<string, string> {
  const entries = Symbol.iterator in headers ? [...headers] : Object.entries(headers);
  const out: Record<string, string> = {};
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    out[name] = SECRET_HEADERS.has(name) || isSecretName(name) ? REDACTED : redactText(value);
  }
  return out;
}

/** Query parameters as a plain record, secrets replaced (repeated names joined with a comma). */
export function redactQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of query) {
    const safe = SECRET_QUERY_NAMES.has(name.toLowerCase()) || isSecretName(name) ? REDACTED : redactText(value);
    out[name] = Object.hasOwn(out, name) ? `${out[name]},${safe}` : safe;
  }
  return out;
}

/** A short log line for a thrown value: the first line of its message, URLs cut out, redacted, at most 200 chars. */
export function oneLineError(error: unknown): string {
  const text = error instanceof Error ? error.message.split('\n', 1)[0] || error.name : String(error);
  return redactText(text.replace(/https?:\/\/\S+/g, '<url>')).slice(0, 200);
}

/** Best effort full text of any thrown value for an error log line, its causes included, redacted. */
export function describeErrorChain(error: unknown, depth = 0): string {
  if (error instanceof Error) {
    const cause = error.cause !== undefined && depth < 3 ? ` (cause: ${describeErrorChain(error.cause, depth + 1)})` : '';
    return redactText(`${error.name}: ${error.message}${cause}`);
  }
  try {
    return redactText(typeof error === 'string' ? error : JSON.stringify(error));
  } catch {
    return '[unprintable error]';
  }
}

/** One line with the error's name, status and code, no request URLs or bodies, redacted (it may quote an upstream). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactText(String(error)).slice(0, 200);
  const status = (error as { statusCode?: unknown }).statusCode;
  const code = (error as { code?: unknown }).code;
  return [error.name, status, code, oneLineError(error)].filter((p) => p !== undefined && p !== '').join(' ');
}
