import { X509Certificate } from 'node:crypto';
import { makeDevelopmentCertificates } from '@nidus/platform-runtime';
import { bindingOf, normalizeBinding, parseCaCertificate } from './ca-certificate';

describe('push CA certificate uploads', () => {
  const { ca, cert } = makeDevelopmentCertificates();
  const derBase64 = ca.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

  it('reads PEM: the subject, the validity and the fingerprint of the first certificate', () => {
    const parsed = parseCaCertificate(ca);
    const x509 = new X509Certificate(ca);
    expect(parsed).toEqual({
      pem: x509.toString(),
      subjectCn: 'Nidus development CA',
      subjectO: 'Nidus',
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      fingerprintSha256: x509.fingerprint256.replaceAll(':', '').toLowerCase(),
    });
    expect(parsed.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps every certificate of a chain, and reads DER given in base64 (line breaks allowed)', () => {
    const chain = parseCaCertificate(`${cert}\n${ca}`);
    expect(chain.subjectCn).toBe('localhost');
    expect(chain.pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const der = parseCaCertificate(derBase64.replace(/(.{64})/g, '$1\n'));
    expect(der.pem).toBe(parseCaCertificate(ca).pem);
  });

  it('names what is wrong with content that is not a certificate', () => {
    const jks = Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed]), Buffer.alloc(60)]).toString('base64');
    expect(() => parseCaCertificate(jks)).toThrow(/Java keystore/);
    expect(() => parseCaCertificate('not a certificate!')).toThrow(/neither PEM nor base64-encoded DER/);
    expect(() => parseCaCertificate(Buffer.from('hello world').toString('base64'))).toThrow(
      /DER content is not an X.509 certificate/,
    );
    expect(() => parseCaCertificate('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toThrow(
      /no PEM CERTIFICATE block/,
    );
    const broken = `-----BEGIN CERTIFICATE-----\n${derBase64.slice(0, 200)}\n-----END CERTIFICATE-----\n`;
    expect(() => parseCaCertificate(broken)).toThrow(/PEM block 1 is not an X.509 certificate/);
    expect(() => parseCaCertificate(ca.repeat(11))).toThrow(/11 certificates; at most 10/);
  });

  it('binds to host:port, 443 when no port is given, and matches a URL the same way', () => {
    expect(normalizeBinding('App.Example.com:8443')).toBe('app.example.com:8443');
    expect(normalizeBinding('app.example.com')).toBe('app.example.com:443');
    expect(normalizeBinding('127.0.0.1:9000')).toBe('127.0.0.1:9000');
    expect(normalizeBinding('[::1]:9000')).toBe('[::1]:9000');
    for (const bad of ['', 'a b:1', 'host:0', 'host:65536', 'host:', 'https://host:1', 'host:1/x'])
      expect(normalizeBinding(bad)).toBeUndefined();
    expect(bindingOf(new URL('https://App.example.com/push'))).toBe('app.example.com:443');
    expect(bindingOf(new URL('https://127.0.0.1:9000/push'))).toBe('127.0.0.1:9000');
    expect(bindingOf(new URL('https://[::1]:9000/'))).toBe('[::1]:9000');
  });
});
