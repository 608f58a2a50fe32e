import { isBusy, retryWhileBusy } from './busy-retry';

const busy = () =>
  Object.assign(
    new Error('[collection.go:241 sqlite.(*collection).DeleteAll] database is locked (5) (SQLITE_BUSY)'),
    {
      code: 1,
    },
  );

describe('retryWhileBusy', () => {
  it('tries a write FerretDB refused as SQLITE_BUSY again until it goes through', async () => {
    let calls = 0;
    const result = await retryWhileBusy(async () => {
      if (++calls < 3) throw busy();
      return 'written';
    });
    expect({ result, calls }).toEqual({ result: 'written', calls: 3 });
  });

  it('passes any other error on at once', async () => {
    let calls = 0;
    const duplicate = Object.assign(new Error('E11000 duplicate key'), { code: 11000 });
    await expect(
      retryWhileBusy(async () => {
        calls++;
        throw duplicate;
      }),
    ).rejects.toBe(duplicate);
    expect(calls).toBe(1);
  });

  it('gives up after its attempts and passes the last busy error on', async () => {
    let calls = 0;
    await expect(
      retryWhileBusy(async () => {
        calls++;
        throw busy();
      }),
    ).rejects.toThrow('SQLITE_BUSY');
    expect(calls).toBe(12);
  });

  it('knows the busy answer by its code and text only', () => {
    expect(isBusy(busy())).toBe(true);
    expect(isBusy(Object.assign(new Error('database is locked (5) (SQLITE_BUSY)'), { code: 2 }))).toBe(false);
    expect(isBusy(Object.assign(new Error('UNIQUE constraint failed'), { code: 1 }))).toBe(false);
    expect(isBusy(undefined)).toBe(false);
  });
});
