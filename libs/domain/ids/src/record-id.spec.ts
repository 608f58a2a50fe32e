import { defaultDeviceId, generateDeviceSecret, identifierPattern } from './device-identity';
import { RecordIdGenerator, firstRecordIdAt, isRecordId } from './record-id';

describe('RecordIdGenerator', () => {
  it('makes 24-hex ids that grow strictly, within a second and across seconds', () => {
    let now = Date.UTC(2026, 10, 26);
    const ids = new RecordIdGenerator({ now: () => now });
    const made: string[] = [];
    for (let i = 0; i < 1000; i++) {
      made.push(ids.next());
      if (i % 100 === 0) now += 1000;
    }
    expect(made.every(isRecordId)).toBe(true);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    expect(made[0]!.slice(0, 8)).toBe((Date.UTC(2026, 10, 26) / 1000).toString(16));
    expect(made.every((id) => id < 'f'.repeat(24))).toBe(true);
  });

  it('stays monotonic when the clock steps back', () => {
    let now = 2_000_000_000_000;
    const ids = new RecordIdGenerator({ now: () => now });
    const before = ids.next();
    now -= 60_000;
    expect(ids.next() > before).toBe(true);
  });

  it('gives two generators different ids at the same instant', () => {
    const clock = { now: () => 1_800_000_000_000 };
    expect(new RecordIdGenerator(clock).next()).not.toBe(new RecordIdGenerator(clock).next());
  });
});

describe('device identity', () => {
  it('derives the default device id and generates 32-hex secrets', () => {
    expect(defaultDeviceId('5f0d1a2b3c4d5e6f7a8b9c0d', 'meter0001')).toBe(
      '5f0d1a2b3c4d5e6f7a8b9c0d_meter0001',
    );
    const secret = generateDeviceSecret();
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    expect(identifierPattern.test(secret)).toBe(true);
    expect(generateDeviceSecret()).not.toBe(secret);
  });
});

describe('firstRecordIdAt', () => {
  it('orders below every id of that second and above every earlier one', () => {
    const clock = { now: () => 1_705_306_530_500 };
    const id = new RecordIdGenerator(clock).next();
    expect(firstRecordIdAt(1_705_306_530_000) <= id).toBe(true);
    expect(firstRecordIdAt(1_705_306_531_000) > id).toBe(true);
    expect(firstRecordIdAt(1_705_306_530_000)).toMatch(/^[0-9a-f]{24}$/);
  });
});
