// The Static Web App's own headers (web/public/staticwebapp.config.json, copied into web/dist by Vite): a content
// security policy that allows only this origin's scripts and the API's origin, no framing, no MIME sniffing, a
// referrer policy; and a page that needs no inline script to run under it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const config = JSON.parse(read('web/public/staticwebapp.config.json')) as { globalHeaders?: Record<string, string> };
const headers = Object.fromEntries(Object.entries(config.globalHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
const csp = new Map((headers['content-security-policy'] ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
  const [name, ...values] = d.split(/\s+/);
  return [name!, values] as const;
}));

describe('staticwebapp.config.json', () => {
  it('sets a content security policy: own scripts only, no framing, the API origin for requests', () => {
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'", 'https://*.azurewebsites.net']);
    for (const values of csp.values()) expect(values.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*(?!\.)/);
  });

  it('sets nosniff and a referrer policy', () => {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  });

  it('serves a page without inline scripts or styles (the policy would block them)', () => {
    const html = read('web/index.html');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc=/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });
});
