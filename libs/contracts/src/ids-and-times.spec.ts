import { formatCompactUtc, formatMillisUtc, parseCompactUtc } from './iotda-time';
import { newEventId, randomHex } from './random-ids';
import { isTraceparent, newTraceparent } from './trace-context';

// The cached and pooled fast paths must give exactly what the plain library calls give.

describe('formatMillisUtc', () => {
  it('matches Date#toISOString across seconds, milliseconds and odd inputs', () => {
    const samples = [
      0, 1, 999, 1000, 1_764_000_000_123, 1_764_000_000_999, 1_764_000_001_000, 253_402_300_799_999,
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 253_402_300_799_999));
    for (const ms of samples) expect(formatMillisUtc(ms)).toBe(new Date(ms).toISOString());
    expect(formatMillisUtc(1_764_000_000_123.9)).toBe(new Date(1_764_000_000_123.9).toISOString());
    expect(formatMillisUtc(-1)).toBe(new Date(-1).toISOString());
    expect(formatMillisUtc(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
  });
});

describe('parseCompactUtc', () => {
  it('gives the same answer the first time and from its cache', () => {
    for (const value of ['20261126T120000Z', '20240229T235959Z']) {
      const ms = Date.UTC(
        +value.slice(0, 4),
        +value.slice(4, 6) - 1,
        +value.slice(6, 8),
        +value.slice(9, 11),
        +value.slice(11, 13),
        +value.slice(13, 15),
      );
      expect(parseCompactUtc(value)).toBe(ms);
      expect(parseCompactUtc(value)).toBe(ms);
      expect(formatCompactUtc(ms)).toBe(value);
    }
  });

  it('refuses what is not a real compact UTC time, also when asked twice', () => {
    for (const value of [
      '20230229T000000Z',
      '20261126T246000Z',
      '2026-11-26T12:00:00Z',
      '20261126T120000',
      '',
    ]) {
      expect(parseCompactUtc(value)).toBeUndefined();
      expect(parseCompactUtc(value)).toBeUndefined();
    }
  });
});

describe('random ids', () => {
  it('makes version 4 UUIDs that do not repeat', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newEventId()));
    expect(ids.size).toBe(5000);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('makes valid, distinct W3C traceparents across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = newTraceparent();
      expect(isTraceparent(t)).toBe(true);
      seen.add(t.slice(3, 35));
    }
    expect(seen.size).toBe(2000);
  });

  it('gives hex of the asked length, drawing a new pool when one runs out', () => {
    const draws = Array.from({ length: 1200 }, () => randomHex(24)); // more than one 16 KiB pool
    for (const d of draws) expect(d).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set(draws).size).toBe(draws.length);
  });
});
