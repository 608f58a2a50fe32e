import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/** What a TLS listener (MQTTS, AMQPS) serves, and what HTTPS pushes present as the platform's client certificate. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** The development CA devices must trust, when Nidus made one. */
  readonly caFile?: string;
}

const days = 24 * 3600 * 1000;

/**
 * The configured certificate and key, or — with none configured (the embedded shape on a laptop) — a development CA
 * and a server certificate for localhost made on first start and kept in `<dataDir>/tls`, so devices trust one CA
 * across restarts (spec 01 §2.6.7: the device presets the platform's CA).
 */
export function tlsMaterial(options: { certFile?: string; keyFile?: string; dataDir: string }): TlsMaterial {
  if (options.certFile && options.keyFile)
    return { cert: readFileSync(options.certFile, 'utf8'), key: readFileSync(options.keyFile, 'utf8') };
  const dir = join(options.dataDir, 'tls');
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
  if (!existsSync(files.cert) || !existsSync(files.key) || !existsSync(files.ca)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const made = makeDevelopmentCertificates();
    writeFileSync(files.ca, made.ca);
    writeFileSync(files.cert, made.cert);
    writeFileSync(files.key, made.key, { mode: 0o600 });
    chmodSync(files.key, 0o600);
  }
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), caFile: files.ca };
}

/** A CA (its key is not kept) and a localhost server certificate it signed, both RSA 2048 / SHA-256. */
export function makeDevelopmentCertificates(): { ca: string; cert: string; key: string } {
  const now = Date.now();
  const caKeys = rsaKeys();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  ca.validity.notBefore = new Date(now - days);
  ca.validity.notAfter = new Date(now + 3650 * days);
  const caName = [
    { name: 'commonName', value: 'Nidus development CA' },
    { name: 'organizationName', value: 'Nidus' },
  ];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = rsaKeys();
  const server = forge.pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = serial();
  server.validity.notBefore = new Date(now - days);
  server.validity.notAfter = new Date(now + 825 * days);
  server.setSubject([{ name: 'commonName', value: 'localhost' }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    // Also a client certificate: HTTPS pushes present it to application servers that authenticate the platform.
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 2, value: hostname() },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    ca: forge.pki.certificateToPem(ca),
    cert: forge.pki.certificateToPem(server),
    key: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}

/** Native key generation (milliseconds; node-forge's own takes seconds), handed to forge as PEM. */
function rsaKeys(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
  };
}

function serial(): string {
  return `01${randomBytes(15).toString('hex')}`; // positive, 16 bytes
}
