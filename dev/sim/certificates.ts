// Certificates of the simulated Azure, made in memory at start with @peculiar/x509 over Node's WebCrypto:
// one root CA for the ARM endpoint (the app trusts it only through TRUSTED_CA), and per cluster a self-signed
// cluster CA (as AKS has) that signs the API server's certificate and the admin client certificate.
import 'reflect-metadata'; // @peculiar/x509 resolves its parsers through tsyringe, which needs it
import * as x509 from '@peculiar/x509';
import type { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// Node's own WebCrypto (globalThis.crypto) is the provider: no native addon, no openssl shell-out.
const crypto = globalThis.crypto;
x509.cryptoProvider.set(crypto);

const ALGORITHM: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
// Clocks of the test machine and of callers can differ a little; a certificate must already be valid.
const BACKDATE_MS = 5 * 60_000;

export interface KeyAndCertificate {
  /** PEM of the certificate. */
  certPem: string;
  /** PEM (PKCS#8) of the private key. */
  keyPem: string;
  notAfter: Date;
}

export interface CertificateAuthority extends KeyAndCertificate {
  issue(request: LeafRequest): Promise<KeyAndCertificate>;
}

export interface LeafRequest {
  /** Distinguished name, e.g. "CN=masterclient, O=system:masters". */
  subject: string;
  usage: 'server' | 'client';
  /** DNS names and IP addresses (server certificates). */
  dnsNames?: string[];
  ipAddresses?: string[];
  lifetimeSeconds: number;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function createCertificateAuthority(commonName: string, lifetimeSeconds = 10 * 365 * 86_400): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const now = Date.now();
  const notAfter = new Date(now + lifetimeSeconds * 1000);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caKeyPem = await keyPem(keys.privateKey);

  async function issue(request: LeafRequest): Promise<KeyAndCertificate> {
    const leafKeys = await newKeys();
    const issuedAt = Date.now();
    const leafNotAfter = new Date(issuedAt + request.lifetimeSeconds * 1000);
    const names: x509.JsonGeneralName[] = [
      ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([request.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ];
    if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
    const cert = await x509.X509CertificateGenerator.create({
      subject: request.subject,
      issuer: caCert.subject,
      notBefore: new Date(Math.min(issuedAt - BACKDATE_MS, leafNotAfter.getTime() - 1000)),
      notAfter: leafNotAfter,
      publicKey: leafKeys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions,
    });
    return { certPem: cert.toString('pem'), keyPem: await keyPem(leafKeys.privateKey), notAfter: leafNotAfter };
  }

  return { certPem: caCert.toString('pem'), keyPem: caKeyPem, notAfter, issue };
}
