import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox, keyFromFile } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('seals to a different text every time and opens to the original', () => {
    const a = box.seal('mySecret123');
    const b = box.seal('mySecret123');
    expect(a).not.toBe(b);
    expect(a).not.toContain('mySecret123');
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(box.open(a)).toBe('mySecret123');
    expect(box.open(b)).toBe('mySecret123');
  });

  it('refuses a value sealed with another key, altered, or not sealed at all', () => {
    const sealed = box.seal('s3cret-value');
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow(/sealed with key/);
    const bytes = Buffer.from(sealed.split('.')[2]!, 'base64url');
    bytes[14] = bytes[14]! ^ 1;
    expect(() => box.open(`v1.${box.keyId}.${bytes.toString('base64url')}`)).toThrow();
    expect(() => box.open('plain')).toThrow(/not a sealed secret/);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('keyFromFile', () => {
  it('creates an owner-only key file once and reads it back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nidus-key-')), 'keys', 'secret.key');
    const first = keyFromFile(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = keyFromFile(file);
    expect(second).toEqual({ key: first.key, created: false });
    expect(readFileSync(file, 'utf8').trim()).toBe(first.key.toString('hex'));
  });
});
