import { parseAmqpLogin } from './amqp-login';

describe('parseAmqpLogin', () => {
  it.each([
    ['accessKey=a1B2c3D4|timestamp=1700000000000', { accessKey: 'a1B2c3D4', timestamp: 1700000000000 }],
    ['accessKey=a1B2c3D4|timestamp=1700000000000|', { accessKey: 'a1B2c3D4', timestamp: 1700000000000 }],
    ['timestamp=1700000000000|instanceId=x|accessKey=k', { accessKey: 'k', timestamp: 1700000000000 }],
  ])('reads %s', (name, login) => {
    expect(parseAmqpLogin(name)).toEqual(login);
  });

  it.each([
    ['no timestamp', 'accessKey=a1B2c3D4'],
    ['no access key', 'timestamp=1700000000000'],
    ['seconds, not milliseconds', 'accessKey=k|timestamp=1700000000'],
    ['not a number', 'accessKey=k|timestamp=17000000000x0'],
    ['a segment without =', 'accessKey=k|timestamp=1700000000000|oops'],
    ['an empty access key', 'accessKey=|timestamp=1700000000000'],
    ['a plain user name', 'admin'],
  ])('refuses %s', (_why, name) => {
    expect(parseAmqpLogin(name)).toBeUndefined();
  });
});
