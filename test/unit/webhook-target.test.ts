import { checkWebhookTarget, isPrivateAddress, signWebhook } from '../../src/modules/webhooks';

describe('isPrivateAddress', () => {
  test.each([
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.0.1',
    '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1',
    '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '2002:7f00:1::', '::127.0.0.1',
  ])('%s is refused', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  test.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4001::200e'])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('checkWebhookTarget', () => {
  const publicDns = async () => [{ address: '93.184.215.14', family: 4 }];
  test('a public name passes and gives the address to connect to', async () => {
    await expect(checkWebhookTarget('https://hooks.example.com/x', { allowPrivate: false, resolve: publicDns })).resolves.toMatchObject({ address: '93.184.215.14', family: 4 });
  });
  test('a name with any private address is refused (rebinding), unless private targets are allowed', async () => {
    const mixed = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.5', family: 4 }];
    await expect(checkWebhookTarget('https://hooks.example.com/x', { allowPrivate: false, resolve: mixed })).rejects.toMatchObject({ problem: 'private' });
    await expect(checkWebhookTarget('https://hooks.example.com/x', { allowPrivate: true, resolve: mixed })).resolves.toBeTruthy();
  });
  test('only http and https; no credentials in the URL', async () => {
    for (const url of ['file:///etc/passwd', 'gopher://example.com/', 'ftp://example.com/', 'javascript:alert(1)']) {
      await expect(checkWebhookTarget(url, { allowPrivate: true, resolve: publicDns })).rejects.toMatchObject({ problem: 'scheme' });
    }
    await expect(checkWebhookTarget('https://user:pw@example.com/', { allowPrivate: true, resolve: publicDns })).rejects.toMatchObject({ problem: 'url' });
  });
  test('a name that does not resolve is refused', async () => {
    const nxdomain = async () => { throw new Error('ENOTFOUND'); };
    await expect(checkWebhookTarget('https://nowhere.invalid/', { allowPrivate: false, resolve: nxdomain })).rejects.toMatchObject({ problem: 'unresolvable' });
  });
});

test('signatures match the Standard Webhooks reference vector', () => {
  // From the Standard Webhooks specification's test suite.
  const signature = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
  expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});
