// The Vite dev server proxies /api to the local host on PORT (the port `npm start` listens on), 7071 by default.
import { afterEach, describe, expect, it, vi } from 'vitest';

type ViteConfig = { server?: { proxy?: Record<string, { target?: string }> } };

async function proxyTarget(port: string | undefined): Promise<string | undefined> {
  vi.resetModules();
  if (port === undefined) delete process.env.PORT;
  else process.env.PORT = port;
  const config = (await import('../../web/vite.config.js')).default as ViteConfig;
  return config.server?.proxy?.['/api']?.target;
}

describe('the dev proxy', () => {
  const saved = process.env.PORT;
  afterEach(() => {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
  });

  it('targets PORT, else 7071', async () => {
    expect(await proxyTarget('7199')).toBe('http://127.0.0.1:7199');
    expect(await proxyTarget(undefined)).toBe('http://127.0.0.1:7071');
    await expect(proxyTarget('http://elsewhere')).rejects.toThrow(/PORT must be a port number/);
  });
});
