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

/** Field names whose values are secrets, wherever they appear (JSON, YAML, key=value). */
const SECRET_NAME = /token|secret|password|passwd|key|credential|kubeconfig|certificate|signature|authorization|cookie/i;

/** Query parameters that carry secrets under innocent names (Functions keys, SAS signatures). */
const SECRET_QUERY_NAMES: ReadonlySet<string> = new Set(['code', 'sig']);

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

// name: value / name=value / "name": "value" (YAML, query strings, JSON-ish text). The name is taken whole and at
// once, only where a run of name characters starts ((?<!…) and the atomic (?=(x+))\2), so long runs of letters
// cost linear time; the replacer decides whether the name looks secret, and looks inside the values of other names.
const NAME_VALUE = /(["']?)(?<![A-Za-z0-9_.-])(?=([A-Za-z0-9_.-]+))\2\1(\s*[:=]\s*)("(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|[^\s,;&"'{}[\]]+)/g;
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

const TEXT_PATTERNS: [RegExp, string | ((...m: string[]) => string)][] = [
  // PEM blocks, also cut short (no END line) and with escaped newlines inside JSON text.
  [/-----BEGIN [^\r\n-]{1,64}-----[\s\S]*?(?:-----END [^\r\n-]{1,64}-----|$)/g, REDACTED],
  // base64 of "-----BEGIN" (kubeconfig client-key-data, certificate-authority-data, …) and of "apiVersion" (a kubeconfig).
  [/LS0tLS1CRUdJT[A-Za-z0-9+/=]*/g, REDACTED],
  [/YXBpVmVyc2lvbj[A-Za-z0-9+/=]*/g, REDACTED],
  // Authorization schemes followed by a credential.
  [/\b(Bearer|Basic|SharedKey|SharedAccessSignature)(\s+)[A-Za-z0-9\-._~+/:=%&]+/gi, (_m, scheme, space) => `${scheme}${space}${REDACTED}`],
  // SAS signatures and Functions keys in URLs.
  [/([?&](?:sig|code)=)[^&\s#"']+/gi, (_m, prefix) => `${prefix}${REDACTED}`],
  // JWTs wherever they stand: a whole run starting with eyJ (one greedy match per run: linear), if shaped like a JWT.
  [/\beyJ[A-Za-z0-9_.-]*/g, (run) => (/^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./.test(run) ? REDACTED : run)],
];

/** Redacts secrets inside free text: log lines, raw bodies, string values. */
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
  for (const [name, item] of Object.entries(value)) {
    out[name] = isSecretName(name) ? REDACTED : redactJson(item, depth + 1);
  }
  return out;
}

/** Headers as a plain record, secrets replaced. */
export function redactHeaders(headers: Iterable<[string, string]> | Record<string, string>): Record<string, string> {
  const entries = Symbol.iterator in headers ? [...(headers as Iterable<[string, string]>)] : Object.entries(headers);
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

/** Best effort text of any thrown value for a log line, redacted. */
export function describeError(error: unknown, depth = 0): string {
  if (error instanceof Error) {
    const cause = error.cause !== undefined && depth < 3 ? ` (cause: ${describeError(error.cause, depth + 1)})` : '';
    return redactText(`${error.name}: ${error.message}${cause}`);
  }
  try {
    return redactText(typeof error === 'string' ? error : JSON.stringify(error));
  } catch {
    return '[unprintable error]';
  }
}
