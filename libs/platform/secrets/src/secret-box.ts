import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // GCM nonce, NIST SP 800-38D §8.2
const TAG_BYTES = 16;

/**
 * Reversible encryption of secrets at rest (ARCHITECTURE §6): device secrets and access-key secrets are needed in
 * plain text to check an HMAC, so they are encrypted, not hashed. AES-256-GCM with a random nonce per value; the
 * sealed form `v1.<key id>.<base64url(iv | ciphertext | tag)>` names the key, so a rotated key can be told apart.
 */
export class SecretBox {
  /** 8 hex characters of SHA-256(key): which key sealed a value, without revealing it. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a secret key is ${KEY_BYTES} bytes, got ${key.length}`);
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${this.keyId}.${Buffer.concat([iv, body]).toString('base64url')}`;
  }

  /** The plain text of a sealed value; throws if it was sealed with another key or altered. */
  open(sealed: string): string {
    const [version, keyId, payload] = sealed.split('.');
    if (version !== 'v1' || payload === undefined) throw new Error('not a sealed secret');
    if (keyId !== this.keyId) throw new Error(`sealed with key ${keyId}, this is key ${this.keyId}`);
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }
}

/**
 * The key in `file` (64 hex characters), created with mode 0600 on first use: the embedded shape keeps its key
 * beside its data. Returns whether it was created now.
 */
export function keyFromFile(file: string): { key: Buffer; created: boolean } {
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`${file} does not hold a 64-hex-character key`);
    return { key: Buffer.from(text, 'hex'), created: false };
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, created: true };
}
