import { X509Certificate } from 'node:crypto';

/** What an uploaded push CA certificate is, read from its content (spec 03 §6.5.1). */
export interface ParsedCaCertificate {
  /** Every certificate of the upload, PEM, in order: what the HTTPS push trusts. */
  readonly pem: string;
  /** Of the first certificate. */
  readonly subjectCn: string;
  readonly subjectO: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 of the first certificate's DER, lower-case hex without separators. */
  readonly fingerprintSha256: string;
}

/** Certificates one upload may hold: a CA and its intermediates. */
const maxCertificates = 10;
const pemBlock = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g;
const jksMagic = 0xfeedfeed;

/**
 * Reads an upload as PEM (one or more `CERTIFICATE` blocks) or as base64 DER (spec 03 §6.5.1 [IMPL]: PEM and DER;
 * a Java keystore is refused by name). Throws an Error that says what is wrong.
 */
export function parseCaCertificate(content: string): ParsedCaCertificate {
  const certificates = content.includes('-----BEGIN') ? fromPem(content) : [fromDer(content)];
  const [first] = certificates;
  return {
    pem: certificates.map((c) => c.toString()).join(''),
    subjectCn: field(first!.subject, 'CN'),
    subjectO: field(first!.subject, 'O'),
    notBefore: new Date(first!.validFrom),
    notAfter: new Date(first!.validTo),
    fingerprintSha256: first!.fingerprint256.replaceAll(':', '').toLowerCase(),
  };
}

function fromPem(content: string): X509Certificate[] {
  const blocks = content.match(pemBlock) ?? [];
  if (blocks.length === 0) throw new Error('content has no PEM CERTIFICATE block');
  if (blocks.length > maxCertificates)
    throw new Error(`content has ${blocks.length} certificates; at most ${maxCertificates}`);
  return blocks.map((block, i) => certificate(Buffer.from(block), `PEM block ${i + 1}`));
}

function fromDer(content: string): X509Certificate {
  const text = content.replace(/\s+/g, '');
  if (text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text))
    throw new Error('content is neither PEM nor base64-encoded DER');
  const der = Buffer.from(text, 'base64');
  if (der.length >= 4 && der.readUInt32BE(0) === jksMagic)
    throw new Error('content is a Java keystore (JKS); export the CA certificate as PEM or DER');
  return certificate(der, 'DER content');
}

function certificate(bytes: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(bytes);
  } catch {
    throw new Error(`${what} is not an X.509 certificate`);
  }
}

/** One attribute of a distinguished name as Node prints it (`CN=a\nO=b`); empty when absent. */
function field(name: string, key: string): string {
  const line = name.split('\n').find((l) => l.startsWith(`${key}=`));
  return line === undefined ? '' : line.slice(key.length + 1);
}

/**
 * The `host:port` an upload is bound to (spec 03 §6.5.1): a DNS name, an IPv4 address or a bracketed IPv6 address,
 * lower-cased, with 443 when no port is given. Undefined when it is none of these.
 */
export function normalizeBinding(domain: string): string | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?$/.exec(domain.trim());
  if (!match) return undefined;
  const port = match[2] === undefined ? 443 : Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return `${match[1]!.toLowerCase()}:${port}`;
}

/** The binding a push URL needs: its host and port (443 when the URL has none). */
export function bindingOf(url: URL): string {
  return `${url.hostname.toLowerCase()}:${url.port === '' ? 443 : url.port}`;
}
