// The SSRF guard and the notification settings: what a receiver may be, where it may resolve to, and what start-up
// refuses. The resolver is the guard's own input (a name's answers), not a mock of DNS.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseWebhookReceivers } from '../../shared/config.js';
import { ReceiverRefused, refusedAddress, vetReceiver, type Resolver } from '../../shared/notifications/addressGuard.js';
import { signatureHeader, verifySignature } from '../../shared/notifications/signature.js';

const answers =
  (...addresses: string[]): Resolver =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
const open = { allowedHosts: [] as string[], allowLoopback: false };

describe('refusedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '0.0.0.0',
    '::',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1', // CGNAT
    '169.254.169.254', // metadata
    '169.254.1.1',
    'fe80::1',
    'fd00:ec2::254', // AWS metadata over IPv6
    'fc00::1',
    '::ffff:127.0.0.1', // IPv4-mapped, dotted
    '::ffff:7f00:1', // IPv4-mapped, hex
    '0:0:0:0:0:ffff:a9fe:a9fe', // mapped metadata, spelled out
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe', // NAT64
    '2002:a9fe:a9fe::', // 6to4
    '224.0.0.1',
    '255.255.255.255',
    '192.0.2.10',
  ])('refuses %s', (address) => {
    expect(refusedAddress(address)).toBeDefined();
  });

  it.each(['20.50.2.1', '52.239.1.1', '1.1.1.1', '2603:1020::1', '::ffff:20.50.2.1'])('allows the public %s', (address) => {
    expect(refusedAddress(address)).toBeUndefined();
  });

  it('lets loopback through only with the test escape, and nothing else with it', () => {
    expect(refusedAddress('127.0.0.1', true)).toBeUndefined();
    expect(refusedAddress('::1', true)).toBeUndefined();
    expect(refusedAddress('::ffff:127.0.0.1', true)).toBeUndefined();
    for (const other of ['10.0.0.1', '169.254.169.254', 'fd00:ec2::254', '0.0.0.0']) expect(refusedAddress(other, true)).toBeDefined();
  });
});

describe('vetReceiver', () => {
  const refused = (url: string, options = open, resolve?: Resolver) =>
    expect(vetReceiver(url, { ...options, ...(resolve ? { resolve } : {}) })).rejects.toBeInstanceOf(ReceiverRefused);

  it('refuses http://, credentials, and IP literals not named in the allow-list', async () => {
    await refused('http://hooks.example.com/x', open, answers('20.50.2.1'));
    await refused('https://user:pw@hooks.example.com/x', open, answers('20.50.2.1'));
    await refused('https://20.50.2.1/x');
    await refused('https://[2603:1020::1]/x');
    await expect(vetReceiver('https://20.50.2.1/x', { allowedHosts: ['20.50.2.1'], allowLoopback: false })).resolves.toMatchObject({ address: '20.50.2.1' });
    await refused('https://169.254.169.254/latest', { allowedHosts: ['169.254.169.254'], allowLoopback: false }); // named, still not public
  });

  it('refuses a name that resolves to loopback, private, link-local, metadata or mapped addresses, or to any one of them', async () => {
    for (const address of ['127.0.0.1', '10.0.0.5', '169.254.169.254', 'fd00:ec2::254', '::ffff:192.168.0.1', '100.100.1.1']) {
      await refused('https://hooks.example.com/x', open, answers(address));
    }
    await refused('https://hooks.example.com/x', open, answers('20.50.2.1', '10.0.0.5')); // one bad record is enough
    await refused('https://localhost:8443/x'); // the system resolver: loopback, no escape
  });

  it('pins the address it checked, and keeps to the host allow-list', async () => {
    const target = await vetReceiver('https://prod-01.westeurope.logic.azure.com/workflows/x?sig=y', {
      allowedHosts: ['*.logic.azure.com'],
      allowLoopback: false,
      resolve: answers('20.50.2.1'),
    });
    expect(target).toMatchObject({ host: 'prod-01.westeurope.logic.azure.com', address: '20.50.2.1', family: 4 });
    await refused('https://hooks.slack.com/services/x', { allowedHosts: ['*.logic.azure.com'], allowLoopback: false }, answers('20.50.2.1'));
    await refused('https://logic.azure.com.evil.example/x', { allowedHosts: ['*.logic.azure.com'], allowLoopback: false }, answers('20.50.2.1'));
  });
});

describe('signature', () => {
  it('verifies what it signed, and refuses a changed body, another key or an old timestamp', () => {
    const header = signatureHeader('k'.repeat(20), 1_800_000_000, '{"a":1}');
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('k'.repeat(20), header, '{"a":1}', 1_800_000_010)).toBe(true);
    expect(verifySignature('k'.repeat(20), header, '{"a":2}', 1_800_000_010)).toBe(false);
    expect(verifySignature('x'.repeat(20), header, '{"a":1}', 1_800_000_010)).toBe(false);
    expect(verifySignature('k'.repeat(20), header, '{"a":1}', 1_800_000_400)).toBe(false); // a replay, 400 s later
  });
});

describe('notification settings', () => {
  const base = { TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
  const problem = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      return error instanceof ConfigError ? error : undefined;
    }
    return undefined;
  };

  it('reads JSON lists and format=url entries, with kinds', () => {
    expect(parseWebhookReceivers('teams=https://a.example.com/x?sig=1,slack=https://hooks.slack.com/services/T/B/C')).toEqual([
      { name: 'teams-1', url: 'https://a.example.com/x?sig=1', format: 'teams' },
      { name: 'slack-2', url: 'https://hooks.slack.com/services/T/B/C', format: 'slack' },
    ]);
    expect(parseWebhookReceivers('[{"name":"ops","url":"https://x.example.com/h","kinds":["action.failed"]}]')).toEqual([
      { name: 'ops', url: 'https://x.example.com/h', format: 'generic', kinds: ['action.failed'] },
    ]);
  });

  it('refuses bad receivers without repeating their URL (a secret)', () => {
    for (const raw of [
      'http://hooks.example.com/secret-path',
      'discord=https://hooks.example.com/secret-path',
      '[{"url":"https://hooks.example.com/secret-path","kinds":["nope"]}]',
      '[{"url":"https://u:p@hooks.example.com/secret-path"}]',
      '[{"url":"https://hooks.example.com/secret-path","extra":1}]',
      '[{"name":"a","url":"https://hooks.example.com/secret-path"},{"name":"a","url":"https://hooks.example.com/secret-path"}]',
      '[not json',
    ]) {
      const error = problem({ NOTIFY_WEBHOOKS: raw, NOTIFY_WEBHOOK_SECRET: 's'.repeat(16) });
      expect(error?.setting, raw).toBe('NOTIFY_WEBHOOKS');
      expect(error?.message).not.toContain('secret-path');
    }
  });

  it('requires a signing key of 16+ characters with receivers', () => {
    expect(problem({ NOTIFY_WEBHOOKS: 'https://hooks.example.com/x' })?.setting).toBe('NOTIFY_WEBHOOK_SECRET');
    expect(problem({ NOTIFY_WEBHOOKS: 'https://hooks.example.com/x', NOTIFY_WEBHOOK_SECRET: 'short' })?.setting).toBe('NOTIFY_WEBHOOK_SECRET');
    expect(problem({ NOTIFY_WEBHOOKS: 'https://hooks.example.com/x', NOTIFY_WEBHOOK_SECRET: 's'.repeat(16) })).toBeUndefined();
  });

  it('refuses the loopback escape in Azure, as development auth', () => {
    expect(problem({ NOTIFY_ALLOW_LOOPBACK_FOR_TESTS: 'true' })).toBeUndefined();
    expect(problem({ NOTIFY_ALLOW_LOOPBACK_FOR_TESTS: 'true', WEBSITE_INSTANCE_ID: 'abc' })?.setting).toBe('NOTIFY_ALLOW_LOOPBACK_FOR_TESTS');
    expect(loadConfig(base).notify).toMatchObject({ allowLoopbackForTests: false, maxAttempts: 8, feedRetentionDays: 30, webhooks: [] });
  });
});
