// The redactor against a corpus: every secret shape a workload or an upstream prints is redacted (the secret itself
// is gone, a marker stands in), and ordinary log lines pass unchanged. Pathological 64 KiB inputs finish (every
// pattern is linear; the test's own timeout is the only clock).
import { describe, expect, it } from 'vitest';
import { REDACTED, redactJson, redactText } from '../../shared/observability/redaction.js';

const KEY64 = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z3h5eno='; // looks like a storage key
const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiI2ZGFlNDJmOC00MzY4LTQ2NzgtOTRmZi0zOTYwZTI4ZTM2MzAiLCJvaWQiOiJhYmMifQ.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLWp3dA';
const PEM_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`;
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- cluster:',
  '    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
  '    server: https://elb-01-a.hcp.westeurope.azmk8s.io:443',
  'users:',
  '- name: clusterUser',
  '  user:',
  '    token: 0123456789abcdef0123456789abcdef',
].join('\n');
const KUBECONFIG_B64 = Buffer.from(KUBECONFIG).toString('base64');
/** A kubeconfig that does not start with apiVersion (clusters first), so only decoding finds it. */
const KUBECONFIG_CLUSTERS_FIRST_B64 = Buffer.from(
  `clusters:\n- name: a\nusers:\n- user:\n    client-key-data: ${Buffer.from(PEM).toString('base64')}\n`,
).toString('base64');
const wrap = (text: string, width: number) => text.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');

/** [line as printed, the secret in it]. */
const SECRETS: [string, string][] = [
  // credentials in URLs
  ['connecting to postgres://app:Sup3rS3cret!@db.internal:5432/orders', 'Sup3rS3cret!'],
  ['mongodb+srv://admin:m0ng0P4ss@cluster0.abcde.mongodb.net/test?retryWrites=true', 'm0ng0P4ss'],
  ['redis://:r3d1sP4ss@cache:6379/0', 'r3d1sP4ss'],
  ['git clone https://x-access-token:gitHubInstallationTok3n@github.com/org/repo.git', 'gitHubInstallationTok3n'],
  ['amqp://guest:Gu3stP4ss@rabbit:5672/', 'Gu3stP4ss'],
  ['proxy=http://user:pr0xyP4ss@proxy.corp:3128', 'pr0xyP4ss'],
  ['mysql://root:r00tPW@mysql:3306/app', 'r00tPW'],
  ['ftp://deploy:ftpS3cret@files.example.com/upload', 'ftpS3cret'],
  // connection-string fields
  ['Server=tcp:sql.database.windows.net,1433;User ID=sa;Password=Sql$ecret99;Encrypt=True', 'Sql$ecret99'],
  ['Data Source=db;Uid=app;Pwd=PwdS3cret;', 'PwdS3cret'],
  [`DefaultEndpointsProtocol=https;AccountName=stprod;AccountKey=${KEY64};EndpointSuffix=core.windows.net`, KEY64],
  ['Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SbKeyAbc123xyz=', 'SbKeyAbc123xyz='],
  ['HostName=hub.azure-devices.net;DeviceId=d1;SharedAccessKey=IoTKey987zyx=', 'IoTKey987zyx='],
  ['Host=pg;Username=app;Password=PgConnPass;Database=orders', 'PgConnPass'],
  // NAME=value where the name says password / secret / token / key
  ['DB_PASSWORD=hunter2', 'hunter2'],
  ['export AZURE_CLIENT_SECRET=Az.Cl1ent~Secret', 'Az.Cl1ent~Secret'],
  ['GITHUB_TOKEN=ghx0123456789', 'ghx0123456789'],
  ['api_key=ak_live_51Habc', 'ak_live_51Habc'],
  ['MYSQL_ROOT_PASSWORD="pa ss word"', 'pa ss word'],
  ["REDIS_PASSWD='redisPW1'", 'redisPW1'],
  ['env: SECRET_KEY_BASE=f00dbabe1234', 'f00dbabe1234'],
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['password: yamlPassw0rd', 'yamlPassw0rd'],
  ['  clientSecret: yamlCl1entSecret', 'yamlCl1entSecret'],
  ["'db_password' => 'phpS3cret'", 'phpS3cret'],
  ['PASSPHRASE=correct-horse-battery', 'correct-horse-battery'],
  ['client_secret=formS3cret&grant_type=client_credentials', 'formS3cret'],
  // CLI flags
  ['az login --service-principal -u app --password cliP4ssword --tenant t', 'cliP4ssword'],
  ['az ad sp create --client-secret cliCl1entSecret', 'cliCl1entSecret'],
  ['kubectl --token kubeT0ken123 get pods', 'kubeT0ken123'],
  ['helm install x --set image.tag=1 --password "quoted pass"', 'quoted pass'],
  ['psql --password=eqP4ss -h db', 'eqP4ss'],
  ['az storage blob upload --account-key acctK3yValue== --container c', 'acctK3yValue=='],
  ['az storage blob list --sas-token sasT0kenValue', 'sasT0kenValue'],
  ['docker login --password dockerP4ss --username me', 'dockerP4ss'],
  // JSON fields with such names
  ['{"password":"jsonP4ss","user":"a"}', 'jsonP4ss'],
  ['{"client_secret": "jsonCl1ent"}', 'jsonCl1ent'],
  ['{"accessToken":"jsonAccessT0k"}', 'jsonAccessT0k'],
  ['{"apiKey": 123456789}', '123456789'],
  ['{"refresh_token":"rtV4lue"}', 'rtV4lue'],
  ['{"name":"DB_PASSWORD","value":"envP4ssword"}', 'envP4ssword'],
  ["{'password': 'pyDictPass'}", 'pyDictPass'],
  // bearer tokens and JWTs
  ['Authorization: Bearer opaqueBearerT0ken', 'opaqueBearerT0ken'],
  ['authorization: token ghoOpaqueTok3n', 'ghoOpaqueTok3n'],
  ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
  [`curl -H "Authorization: Bearer ${JWT}" https://api`, JWT.split('.')[1]!],
  [`token ${JWT}`, JWT.split('.')[1]!],
  [`id_token=${JWT}`, JWT.split('.')[1]!],
  [`https://app/callback#access_token=${JWT.replaceAll('.', '%2E')}&x=1`, JWT.split('.')[1]!],
  [`redirect?assertion=${JWT.replaceAll('.', '%2E')}`, JWT.split('.')[1]!],
  ['SharedAccessSignature sr=hub&sig=SasS1gnature%3D&se=1700000000', 'SasS1gnature%3D'],
  // prefixed tokens
  ['using ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8', 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'],
  ['slack: xoxb-1234567890-abcdefghijkl', 'xoxb-1234567890-abcdefghijkl'],
  ['aws key AKIAIOSFODNN7EXAMPLE in use', 'AKIAIOSFODNN7EXAMPLE'],
  ['npm token npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_abcdefghijklmnopqrstuvwxyz0123456789'],
  // PEM blocks
  [`key:\n${PEM}\ndone`, PEM_BODY],
  [`{"key":"${PEM.replaceAll('\n', '\\n')}"}`, PEM_BODY],
  [`-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}`, PEM_BODY],
  [`-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----`, PEM_BODY],
  // SAS sig=
  ['GET https://st.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sr=b&sp=r&sig=AbCdEf%2Bgh%3D', 'AbCdEf%2Bgh%3D'],
  ['sas: sv=2022-11-02&ss=b&srt=co&sp=rl&sig=LeadingSigValue', 'LeadingSigValue'],
  ['BlobEndpoint=https://st.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=ConnSasSig', 'ConnSasSig'],
  ['https://func.azurewebsites.net/api/x?code=FuncK3yValue', 'FuncK3yValue'],
  // base64 kubeconfigs, PEM in base64, also line-wrapped
  [`value: ${KUBECONFIG_B64}`, KUBECONFIG_B64.slice(20, 60)],
  [`kubeconfig dump:\n${wrap(KUBECONFIG_B64, 76)}\nend`, KUBECONFIG_B64.slice(80, 120)],
  [`data ${wrap(KUBECONFIG_B64, 64)}`, KUBECONFIG_B64.slice(70, 100)],
  [`client-key-data: ${Buffer.from(PEM).toString('base64')}`, Buffer.from(PEM).toString('base64').slice(20, 60)],
  [`config=${KUBECONFIG_CLUSTERS_FIRST_B64}`, KUBECONFIG_CLUSTERS_FIRST_B64.slice(30, 70)],
  [`blob ${KUBECONFIG_CLUSTERS_FIRST_B64}`, KUBECONFIG_CLUSTERS_FIRST_B64.slice(30, 70)],
  [wrap(KUBECONFIG_CLUSTERS_FIRST_B64, 76), KUBECONFIG_CLUSTERS_FIRST_B64.slice(100, 140)],
  [`{"kubeconfig":"${KUBECONFIG_B64}"}`, KUBECONFIG_B64.slice(20, 60)],
];

const CLEAN: string[] = [
  '2026-11-29T19:02:29.123Z INFO  server listening on :8080',
  '2026-11-29 19:02:29,123 WARN [main] o.a.k.c.NetworkClient - Connection to node 1 could not be established',
  'I1129 19:02:29.123456       1 leaderelection.go:258] successfully acquired lease kube-system/cloud-controller-manager',
  "SELECT id, name, created_at FROM orders WHERE customer_id = 42 AND status = 'open' ORDER BY created_at DESC LIMIT 50",
  'INSERT INTO audit (at, actor, action) VALUES (now(), $1, $2)',
  'UPDATE sessions SET last_seen = now() WHERE id = $1',
  'GET https://management.azure.com/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-elb-01?api-version=2024-09-01 200 84ms',
  'fetching https://registry.npmjs.org/react/-/react-19.3.1.tgz',
  'proxying to http://10.0.0.12:8080/healthz',
  'Pulling image "mcr.microsoft.com/azure-cli@sha256:4e2d6f3a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"',
  'Successfully pulled image "nginx@sha256:0c6ec2c0b1c1d4f1a0e2f0d7fa7f0a4b5b5d1f9c0f9c1b2a3d4e5f6a7b8c9d0e1" in 1.2s',
  'Successfully assigned default/warmup-db-7x2kq to aks-nodepool1-12345678-vmss000000',
  'Back-off restarting failed container db in pod warmup-db-7x2kq_default(7c1e2d3f-aaaa-bbbb-cccc-0123456789ab)',
  'MountVolume.SetUp failed for volume "db-creds" : secret "db-creds" not found',
  'Created container warmup',
  'Readiness probe failed: HTTP probe failed with statuscode: 503',
  'Job has reached the specified backoff limit',
  'node aks-nodepool1-12345678-vmss000001 status is now: NodeReady',
  'commit 7276342a9f0e1d2c3b4a5968778695a4b3c2d1e0 (HEAD -> issue-13)',
  'warming cache: 1200/1200 rows loaded in 3.4s (rate=352.9/s)',
  'retrying in 5s (attempt=3, max=5)',
  'user=alice action=start cluster=elb-01-a result=accepted',
  'request_id=7f3a2c1b duration_ms=12 status=200 path=/api/monitor/aks',
  'elapsed: 00:01:23.456',
  'Listening on [::]:443 (tls, http/1.1 h2)',
  'email sent to ops@contoso.example',
  'ssh git@github.com:contoso/dashboard.git',
  'ERROR: duplicate key value violates unique constraint "orders_pkey"',
  'primary key column "id" must not be null',
  'The token bucket refilled: 25 per second',
  'password reset requested for a user (no details logged)',
  'id: 4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  'etag W/"datetime\'2026-11-29T19%3A02%3A29.1234567Z\'"',
  '--verbose --retries 3 --timeout 30s',
  '{"level":"info","msg":"reconciled","namespace":"default","name":"web","generation":7}',
  'aksnodepool1vmss000000 Ready agent 12d v1.31.2',
  'Checksum sha512-+5mRTdRcCWiP3QPGMv7dIvIzORBfRnO0pTWJr8mFFoNnP1ABCvCQUsmfnE5HPPJmmFi6nlbhx3P28KFxL8yiHw==',
];

describe('redactor corpus', () => {
  it(`has at least 60 secret shapes and 30 ordinary lines (${SECRETS.length} / ${CLEAN.length})`, () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(60);
    expect(CLEAN.length).toBeGreaterThanOrEqual(30);
  });

  it.each(SECRETS.map(([line, secret], i) => [i, line, secret] as const))('redacts secret shape %i', (_i, line, secret) => {
    const out = redactText(line);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(secret);
  });

  it.each(CLEAN.map((line, i) => [i, line] as const))('leaves ordinary line %i unchanged', (_i, line) => {
    expect(redactText(line)).toBe(line);
  });

  it('redacts a Kubernetes env entry in parsed JSON by its name', () => {
    expect(
      redactJson({
        env: [
          { name: 'DB_PASSWORD', value: 'p' },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
      }),
    ).toEqual({
      env: [
        { name: 'DB_PASSWORD', value: REDACTED },
        { name: 'LOG_LEVEL', value: 'info' },
      ],
    });
  });

  it('finishes pathological 64 KiB inputs (every pattern linear)', () => {
    const size = 64 * 1024;
    const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const inputs = [
      'a',
      'a.',
      'a:',
      'a=',
      'a://',
      'a://b:',
      'x://y:z',
      '--a ',
      '-- ',
      'password ',
      'token=',
      '"name":"a",',
      'eyJ',
      'eyJa.',
      'eyJa%2E',
      'A'.repeat(75) + '\n',
      'AAAA\n',
      'LS0tLS1CRUdJT\n',
      'sig=',
      '?sig=',
      '-----BEGIN X-----',
      'Bearer ',
      'authorization: x ',
      'ghp_',
      '=\n',
      '==a',
      'a==\n',
    ].map(fill);
    for (const input of inputs) expect(typeof redactText(input)).toBe('string');
  });
});
