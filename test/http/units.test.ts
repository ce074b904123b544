// The pipeline's parts on their own: request ids, validation rules, error mapping, principals, redaction.
import { describe, expect, it } from 'vitest';
import { HttpRequest } from '@azure/functions';
import { createHttpHeaders, RestError, type PipelineRequest } from '@azure/core-rest-pipeline';
import { createAuth, decodeClientPrincipal, encodeClientPrincipal } from '../../shared/http/auth.js';
import { ApiError, errorEnvelope, toApiError } from '../../shared/http/errors.js';
import { ClusterNotFound, OperationRefused, parseRetryAfter, upstreamFailure } from '../../shared/errors.js';
import { describeErrorChain, oneLineError, redactHeaders, redactJson, redactQuery, redactText, REDACTED } from '../../shared/observability/redaction.js';
import { isSafeRequestId, resolveRequestId } from '../../shared/observability/requestId.js';
import {
  clusterName,
  integerInRange,
  isJsonContentType,
  monitorCategory,
  parseBodyFields,
  parseQuery,
  readJsonBody,
  resourceGroup,
  subscriptionId,
} from '../../shared/http/validation.js';
import { MONITOR_CATEGORIES } from '../../shared/cache/keys.js';
import { principal, PRINCIPALS, SUB, testConfig } from './support.js';

const rejects = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected a rejection');
};

describe('request id', () => {
  it('accepts 1-128 chars of [A-Za-z0-9._-] and nothing else', () => {
    expect(isSafeRequestId('a')).toBe(true);
    expect(isSafeRequestId('A.b_c-9')).toBe(true);
    expect(isSafeRequestId('x'.repeat(128))).toBe(true);
    for (const bad of ['', 'x'.repeat(129), 'a b', 'a\nb', 'é', 'a/b', null, undefined, 42]) expect(isSafeRequestId(bad)).toBe(false);
    expect(resolveRequestId('keep-me')).toBe('keep-me');
    expect(resolveRequestId('bad id', () => 'generated')).toBe('generated');
    expect(resolveRequestId(null, () => 'generated')).toBe('generated');
  });
});

describe('validation rules', () => {
  it('subscription ids are GUIDs, answered in lower case', () => {
    expect(subscriptionId(SUB.toUpperCase(), 's')).toBe(SUB);
    expect(rejects(() => subscriptionId('nope', 's'))).toMatchObject({ status: 400, code: 'invalidParameter', field: 's' });
    expect(rejects(() => subscriptionId(undefined, 's'))).toMatchObject({ status: 400, code: 'missingParameter', field: 's' });
  });

  it('resource groups: 1-90 of letters (Unicode too), digits, _ - . ( ), not ending in a period', () => {
    for (const ok of ['a', 'rg-elb-01', 'RG_(blue).x', 'x'.repeat(90), 'rg-café', 'ресурсы']) expect(resourceGroup(ok, 'rg')).toBe(ok);
    for (const bad of ['x'.repeat(91), 'rg.', 'a/b', 'a b', 'a#b', 'a?b', 'a%b', 'a\\b', '😀']) {
      expect(rejects(() => resourceGroup(bad, 'rg'))).toMatchObject({ code: 'invalidParameter', field: 'rg' });
    }
  });

  it('cluster names: 1-63 of letters, digits, - and _, alphanumeric at both ends', () => {
    for (const ok of ['a', '1', 'aks-blue_01', 'a'.repeat(63), 'A9']) expect(clusterName(ok, 'cluster')).toBe(ok);
    for (const bad of ['', '-a', 'a-', '_a', 'a_', 'a'.repeat(64), 'a.b', 'é', 'a b']) expect(() => clusterName(bad, 'cluster')).toThrow(ApiError);
  });

  it('categories come from the one list', () => {
    for (const category of MONITOR_CATEGORIES) expect(monitorCategory(category, 'category')).toBe(category);
    expect(rejects(() => monitorCategory('Nodes', 'category')).message).toBe('category: expected one of nodes, pods, top-nodes, warmup-status, events, jobs');
  });

  it('integers in range, with a default', () => {
    const limit = integerInRange(1, 200, 50);
    expect(limit(undefined, 'limit')).toBe(50);
    expect(limit('200', 'limit')).toBe(200);
    expect(limit(7, 'limit')).toBe(7);
    for (const bad of ['0', '201', '1.5', '', ' 1', 1.5, null]) expect(() => limit(bad, 'limit')).toThrow(ApiError);
  });

  it('refuses a query parameter given twice, and ignores parameters it does not know', () => {
    expect(rejects(() => parseQuery(new URLSearchParams(`subscriptionId=${SUB}&subscriptionId=${SUB}`), { subscriptionId }))).toMatchObject({
      field: 'subscriptionId',
    });
    expect(parseQuery(new URLSearchParams(`subscriptionId=${SUB}&_=123`), { subscriptionId })).toEqual({ subscriptionId: SUB });
  });

  it('bodies: exactly the schema’s fields, unknown ones named (printable, bounded)', () => {
    expect(parseBodyFields({ cluster: 'a' }, { cluster: clusterName })).toEqual({ cluster: 'a' });
    expect(rejects(() => parseBodyFields({ cluster: 'a', extra: 1 }, { cluster: clusterName }))).toMatchObject({ code: 'unknownField', field: 'extra' });
    expect(rejects(() => parseBodyFields(JSON.parse('{"__proto__":1}'), { cluster: clusterName }))).toMatchObject({ field: '__proto__' });
    expect(rejects(() => parseBodyFields({ ['\n'.repeat(3) + 'x'.repeat(100)]: 1 }, {})).field).toBe(`???${'x'.repeat(61)}…`);
    expect(rejects(() => parseBodyFields([], {}))).toMatchObject({ code: 'malformedBody' });
  });

  it('content types: application/json, optionally charset=utf-8', () => {
    for (const ok of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"'])
      expect(isJsonContentType(ok)).toBe(true);
    for (const bad of [null, '', 'text/json', 'application/json; charset=latin1', 'application/jsonx']) expect(isJsonContentType(bad)).toBe(false);
  });

  it('reads a JSON body up to the limit, counting bytes while streaming', async () => {
    const request = (body: string) =>
      new HttpRequest({ method: 'POST', url: 'http://x/api/y', headers: { 'content-type': 'application/json' }, body: { string: body } });
    expect((await readJsonBody(request('{"a":"é"}'))).value).toEqual({ a: 'é' });
    await expect(readJsonBody(request(`"${'x'.repeat(100)}"`), 64)).rejects.toMatchObject({ status: 413, code: 'payloadTooLarge' });
  });
});

describe('errors', () => {
  const request = { url: 'https://management.example/x' } as PipelineRequest;
  const rest = (status: number, headers: Record<string, string> = {}) =>
    new RestError('upstream', { statusCode: status, response: { status, headers: createHttpHeaders(headers), request } });

  it('maps upstream failures, and only those; everything else is an internal error', () => {
    expect(toApiError(rest(429, { 'retry-after': '12' }))).toMatchObject({ status: 429, code: 'throttled', retryAfter: 12 });
    expect(toApiError(rest(503))).toMatchObject({ status: 503, code: 'upstreamUnavailable' });
    expect(toApiError(rest(404))).toMatchObject({ status: 502, code: 'upstreamError' });
    expect(toApiError(rest(409))).toMatchObject({ status: 409, code: 'conflict' });
    expect(toApiError(new RestError('no answer', { code: 'REQUEST_SEND_ERROR' }))).toMatchObject({ status: 503 });
    expect(toApiError(Object.assign(new Error('k8s'), { code: 429, body: '', headers: { 'retry-after': '2' } }))).toMatchObject({ status: 429, retryAfter: 2 });
    expect(toApiError(new DOMException('aborted', 'AbortError'))).toMatchObject({ status: 504, code: 'upstreamTimeout' });
    expect(upstreamFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(toApiError(new TypeError('x is undefined'))).toMatchObject({ status: 500, code: 'internalError', message: 'Something went wrong on our side' });
  });

  it("maps a service's failures by the one table: codes and statuses as the README's error table says", () => {
    expect(toApiError(new ClusterNotFound('aks-x', 'rg-a'))).toMatchObject({ status: 404, code: 'clusterNotFound', message: 'No cluster aks-x in rg-a' });
    expect(toApiError(new OperationRefused('Operation is not allowed while the cluster is stopping'))).toMatchObject({
      status: 409,
      code: 'operationNotAllowed',
      message: 'Operation is not allowed while the cluster is stopping',
    });
    expect(upstreamFailure(rest(429))).toMatchObject({ kind: 'throttled', retryAfterSeconds: 5 });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('builds the envelope, with field only when there is one', () => {
    expect(errorEnvelope(new ApiError(404, 'clusterNotFound', 'No such cluster'), 'r1')).toEqual({
      error: { code: 'clusterNotFound', message: 'No such cluster', requestId: 'r1' },
    });
    expect(errorEnvelope(new ApiError(400, 'invalidParameter', 'm', { field: 'f' }), 'r1').error.field).toBe('f');
  });
});

describe('principals', () => {
  const auth = createAuth(testConfig().auth);
  const headers = (value?: string) => new Headers(value === undefined ? {} : { 'x-ms-client-principal': value });

  it('decodes the documented shape and reads roles only from roles claims', () => {
    expect(decodeClientPrincipal(PRINCIPALS.admin)).toMatchObject({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles' });
    const emailName = encodeClientPrincipal({
      auth_typ: 'aad',
      name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
      claims: [
        { typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', val: 'ann@contoso.example' },
        { typ: 'roles', val: 'Cluster.Operate' },
      ],
    });
    expect(auth.authenticate(headers(emailName))).toMatchObject({ name: 'ann@contoso.example', roles: ['Cluster.Operate'], permissions: ['read', 'operate'] });
  });

  it('ignores a role_typ that names another claim: a group or a name claim never grants a role', () => {
    for (const roleTyp of ['groups', 'name', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role']) {
      const forged = encodeClientPrincipal({
        auth_typ: 'aad',
        name_typ: 'name',
        role_typ: roleTyp,
        claims: [
          { typ: 'name', val: 'Cluster.Admin' },
          { typ: 'groups', val: 'Cluster.Admin' },
          { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Cluster.Admin' },
        ],
      });
      expect(auth.authenticate(headers(forged)), roleTyp).toMatchObject({ roles: [], permissions: [] });
    }
  });

  it('refuses what is not a principal, and oversized headers, without throwing', () => {
    for (const bad of ['', '%%%', Buffer.from('{}').toString('base64'), 'A'.repeat(40_000), Buffer.from('{"auth_typ":1,"claims":[]}').toString('base64')]) {
      expect(decodeClientPrincipal(bad)).toBeUndefined();
      expect(auth.authenticate(headers(bad))).toBeUndefined();
    }
  });

  it('keeps names printable and bounded; ignores malformed claims', () => {
    const odd = encodeClientPrincipal({
      auth_typ: 'aad',
      name_typ: 'name',
      role_typ: 'roles',
      claims: [{ typ: 'name', val: `a\nb${'x'.repeat(500)}` }, { typ: 'roles' } as never],
    });
    const caller = auth.authenticate(headers(odd))!;
    expect(caller.name).toBe(`ab${'x'.repeat(254)}`);
    expect(caller.roles).toEqual([]);
  });

  it('authorises by permission (admin ⊇ operate ⊇ read) and checks scopes case-insensitively', () => {
    const reader = auth.authenticate(headers(principal('r', ['Dashboard.Read'])));
    expect(() => auth.authorize(reader, 'read')).not.toThrow();
    expect(rejects(() => auth.authorize(reader, 'operate'))).toMatchObject({ status: 403, code: 'forbidden', message: 'This needs the role Cluster.Operate' });
    expect(rejects(() => auth.authorize(undefined, 'signedIn'))).toMatchObject({ status: 401 });
    expect(() => auth.authorize(undefined, 'none')).not.toThrow();
    expect(auth.allowedScope({ subscriptionId: SUB.toUpperCase(), resourceGroup: 'RG-ELB-01' })).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-elb-01' });
    expect(rejects(() => auth.allowedScope({ subscriptionId: SUB, resourceGroup: 'rg-elb' }))).toMatchObject({ status: 403, code: 'scopeNotAllowed' });
  });

  it('answers a scope in its first configured spelling, and any resource group of a whole subscription', () => {
    const other = '9f8e7d6c-5b4a-4321-8765-000011112222';
    const scoped = createAuth(testConfig({ ALLOWED_SCOPES: `${SUB}/RG-Mixed,${SUB}/rg-mixed,${other.toUpperCase()}/*` }).auth);
    expect(scoped.allowedScope({ subscriptionId: SUB, resourceGroup: 'rg-MIXED' })).toEqual({ subscriptionId: SUB, resourceGroup: 'RG-Mixed' });
    expect(scoped.allowedScope({ subscriptionId: other.toUpperCase(), resourceGroup: 'Any-RG' })).toEqual({ subscriptionId: other, resourceGroup: 'Any-RG' });
    expect(rejects(() => scoped.allowedScope({ subscriptionId: SUB, resourceGroup: 'rg-mixe' }))).toMatchObject({ status: 403, code: 'scopeNotAllowed' });
  });
});

describe('redaction', () => {
  it('redacts secret headers by name, whatever their case', () => {
    expect(
      redactHeaders({
        Authorization: 'Bearer x',
        Cookie: 'a=b',
        'X-MS-CLIENT-PRINCIPAL': 'e30=',
        'x-functions-key': 'k',
        'x-ms-token-aad-access-token': 't',
        accept: 'application/json',
      }),
    ).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'x-ms-client-principal': REDACTED,
      'x-functions-key': REDACTED,
      'x-ms-token-aad-access-token': REDACTED,
      accept: 'application/json',
    });
  });

  it('redacts JSON fields by name (case-insensitive, whole value), and secrets inside strings', () => {
    const out = redactJson({
      AccessToken: 'a',
      clientSecret: { nested: 1 },
      PASSWORD: 'p',
      apiKey: 'k',
      credentials: ['c'],
      kubeConfig: 'y',
      clientCertificate: 'c',
      ok: 'fine',
      list: [{ refresh_token: 'r' }],
      text: 'Authorization: Bearer abc.def-ghi',
    });
    expect(out).toEqual({
      AccessToken: REDACTED,
      clientSecret: REDACTED,
      PASSWORD: REDACTED,
      apiKey: REDACTED,
      credentials: REDACTED,
      kubeConfig: REDACTED,
      clientCertificate: REDACTED,
      ok: 'fine',
      list: [{ refresh_token: REDACTED }],
      text: `Authorization: ${REDACTED} ${REDACTED}`,
    });
  });

  it('redacts PEM blocks (also cut short), base64 PEM and kubeconfigs, JWTs, bearer tokens, key=value pairs', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretsecret\n-----END RSA PRIVATE KEY-----';
    expect(redactText(`x ${pem} y`)).toBe(`x ${REDACTED} y`);
    expect(redactText('-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAAS')).toBe(REDACTED);
    expect(redactText(`data ${Buffer.from(pem).toString('base64')}`)).toBe(`data ${REDACTED}`);
    expect(redactText(Buffer.from('apiVersion: v1\nkind: Config').toString('base64'))).toBe(REDACTED);
    expect(redactText('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln')).toBe(REDACTED);
    expect(redactText('token: abc123\npassword=hunter2 "client_secret": "s"')).toBe(`token: ${REDACTED}\npassword=${REDACTED} "client_secret": "${REDACTED}"`);
    expect(redactText('https://x/y?sig=abc%2F&se=1&code=k')).toBe(`https://x/y?sig=${REDACTED}&se=1&code=${REDACTED}`);
    expect(redactText('nothing to hide here')).toBe('nothing to hide here');
    // a secret inside the value of an innocent name, and a deep chain of pairs (bounded, redacted on the safe side)
    expect(redactText('note: "password: p w", id=x')).toBe(`note: "password: ${REDACTED} w", id=x`);
    expect(redactText('a=b=token=c')).toBe(`a=b=token=${REDACTED}`);
    expect(redactText(`${'a='.repeat(5000)}token`)).not.toContain('token');
    // long runs that used to invite backtracking are left alone
    expect(redactText('token'.repeat(10_000))).toBe('token'.repeat(10_000));
    expect(redactText('eyJ-'.repeat(10_000))).toBe('eyJ-'.repeat(10_000));
  });

  it('redacts query parameters that carry keys', () => {
    expect(redactQuery(new URLSearchParams('code=k&sig=s&limit=5&api_key=z'))).toEqual({ code: REDACTED, sig: REDACTED, limit: '5', api_key: REDACTED });
  });

  it('describes errors redacted, causes included, cycles bounded', () => {
    const error: Error & { cause?: unknown } = new Error('failed: token=abc');
    error.cause = error;
    expect(describeErrorChain(error)).toBe(
      `Error: failed: token=${REDACTED} (cause: Error: failed: token=${REDACTED} (cause: Error: failed: token=${REDACTED} (cause: Error: failed: token=${REDACTED})))`,
    );
    expect(describeErrorChain({ password: 'x' })).toBe(`{"password":"${REDACTED}"}`);
  });

  it('gives short log lines: first line, URLs cut, secrets redacted, bounded', () => {
    const error = new Error('GET https://arm.local/x?sig=abc failed: Bearer abc.def\n  at stack');
    expect(oneLineError(error)).toBe(`GET <url> failed: Bearer ${REDACTED}`);
    expect(oneLineError(Object.assign(new Error(''), { name: 'RestError' }))).toBe('RestError');
    expect(oneLineError('x'.repeat(500))).toHaveLength(200);
  });
});
