import { devicePassword, parseClientId, passwordMatches, timestampWithinWindow } from './client-id';

describe('parseClientId', () => {
  it('parses from the right, so a device id may hold underscores', () => {
    expect(parseClientId('60a87ffebaccd902c2f1abbb_0001_0_0_2019120219')).toEqual({
      deviceId: '60a87ffebaccd902c2f1abbb_0001',
      signType: 0,
      timestamp: '2019120219',
    });
    expect(parseClientId('d_1_0_1_2024010124')?.signType).toBe(1);
  });

  it.each([
    ['no timestamp', 'dev_0_0'],
    ['id type 1', 'dev_1_0_2019120219'],
    ['sign type 2', 'dev_0_2_2019120219'],
    ['9-digit timestamp', 'dev_0_0_201912021'],
    ['empty device id', '_0_0_2019120219'],
    ['over 256 characters', `${'d'.repeat(250)}_0_0_2019120219`],
  ])('refuses %s', (_name, clientId) => {
    expect(parseClientId(clientId)).toBeUndefined();
  });
});

describe('devicePassword', () => {
  it.each([
    ['mysecret123', '2019120219', '8709e1e3b454c8400670b59141c55e741f020bc291b4a664a1d9d2a0ff576f41'],
    ['12345678', '2018072417', 'cda20ea47ca2e8f01d9dd8aa9eb7e7937562f5be6982ea82d46c582c4a476b3f'],
  ])('matches the spec 01 §2.6.3 vector for %s', (secret, timestamp, expected) => {
    expect(devicePassword(secret, timestamp)).toBe(expected);
    expect(passwordMatches(expected, expected.toUpperCase())).toBe(true);
    expect(passwordMatches(expected, expected.slice(0, 63))).toBe(false);
    expect(passwordMatches(expected, `${expected.slice(0, 63)}0`)).toBe(expected.endsWith('0'));
  });
});

describe('timestampWithinWindow', () => {
  const now = Date.UTC(2024, 0, 31, 23, 30); // 2024-01-31 23:30 UTC
  it.each([
    ['the current hour', '2024013123', true],
    ['two hours ago', '2024013121', true],
    ['three hours ago', '2024013120', false],
    ['the next hour across a month end', '2024020100', true],
    ['the C SDK incremented past 23', '2024013124', true],
    ['a day later', '2024020123', false],
  ])('%s', (_name, timestamp, expected) => {
    expect(timestampWithinWindow(timestamp, now, 2)).toBe(expected);
  });
});
