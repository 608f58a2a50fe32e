import { describeSessionStoreContract } from '@nidus/testing';
import { RedisSessionStore } from './redis-session-store';

// Runs against the real Redis that `tools/infra/infra.sh up redis` starts (REDIS_URL).
const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';

describeSessionStoreContract('Redis via ioredis', () => ({
  open: (namespace) => RedisSessionStore.connect({ url, namespace }),
}));
