import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { deploymentTenant, formatCompactUtc } from '@nidus/contracts';
import {
  type DocumentCollection,
  type DocumentStore,
  DuplicateKeyError,
  findAll,
} from '@nidus/persistence-core';
import type { Clock } from '@nidus/ports';

/**
 * A project's AMQP access credential (spec 03 §6.7.2): one per project, in the deployment's tenant under its access
 * key so that a login finds it; only a salted scrypt hash of the access code is kept.
 */
export interface StoredAccessCode {
  readonly project_id: string;
  readonly salt: string;
  readonly hash: string;
  /** Compact UTC. */
  readonly create_time: string;
}

const derive = promisify(scrypt) as (code: string, salt: Buffer, length: number) => Promise<Buffer>;
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomText = (length: number) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

export class AccessCodes {
  private constructor(private readonly store: DocumentCollection<StoredAccessCode>) {}

  static async open(documents: DocumentStore): Promise<AccessCodes> {
    return new AccessCodes(
      await documents.collection<StoredAccessCode>({
        name: 'amqp_access_codes',
        indexes: [{ fields: ['project_id'] }],
      }),
    );
  }

  /** A new access key and code for the project; the previous ones stop working (spec 05 §3.11.5). */
  async generate(project: string, clock: Clock): Promise<{ access_key: string; access_code: string }> {
    const code = randomText(32);
    const salt = randomBytes(16);
    const hash = (await derive(code, salt, 32)).toString('hex');
    for (const old of await findAll(this.store, deploymentTenant, { project_id: project }))
      await this.store.delete(deploymentTenant, old.id);
    for (;;) {
      const key = randomText(8);
      try {
        await this.store.insert(deploymentTenant, key, {
          project_id: project,
          salt: salt.toString('hex'),
          hash,
          create_time: formatCompactUtc(clock.now()),
        });
        return { access_key: key, access_code: code };
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error; // another project's key: draw again
      }
    }
  }

  /** The project whose access key and code these are, or undefined; the code is compared in constant time. */
  async verify(accessKey: string, code: string): Promise<string | undefined> {
    if (code.length === 0 || code.length > 256) return undefined;
    const stored = await this.store.get(deploymentTenant, accessKey);
    if (!stored) return undefined;
    const expected = Buffer.from(stored.data.hash, 'hex');
    const actual = await derive(code, Buffer.from(stored.data.salt, 'hex'), expected.length);
    return timingSafeEqual(actual, expected) ? stored.data.project_id : undefined;
  }
}
