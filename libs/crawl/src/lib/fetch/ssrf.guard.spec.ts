import { TaskFailure } from '@crawlflow/contracts';
import { addressProblem, SsrfGuard, type ResolvedAddress } from './ssrf.guard';

/** A resolver answering from a table, so name-based cases need no DNS. */
function table(entries: Record<string, string[]>): (host: string) => Promise<ResolvedAddress[]> {
  return async (host) => {
    const addresses = entries[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

async function refusal(guard: SsrfGuard, url: string): Promise<TaskFailure> {
  try {
    await guard.vetUrl(new URL(url));
  } catch (error) {
    return error as TaskFailure;
  }
  throw new Error(`${url} was not refused`);
}

describe('addressProblem', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'linkLocal'],
    ['169.254.169.254', 'cloud metadata endpoint'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'cloud metadata endpoint'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata endpoint'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['::808:808', 'IPv4-compatible IPv6'],
    ['::7f00:1', 'IPv4-compatible IPv6'],
  ])('%s is refused as %s', (address, problem) => {
    expect(addressProblem(address)).toBe(problem);
  });

  it('refuses ::127.0.0.1 too', () => {
    expect(addressProblem('::127.0.0.1')).toBeDefined();
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    '::ffff:8.8.8.8',
  ])('%s is public', (address) => {
    expect(addressProblem(address)).toBeUndefined();
  });
});

describe('SsrfGuard', () => {
  const guard = new SsrfGuard(
    [],
    table({
      'public.test': ['93.184.215.14'],
      'sneaky.test': ['93.184.215.14', '10.0.0.5'],
      'v6.test': ['::1'],
    }),
  );

  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'], // decimal
    ['http://0177.0.0.1/', '127.0.0.1'], // octal
    ['http://0x7f.1/', '127.0.0.1'], // hex, short form
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://[::1]/', '::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/latest/meta-data', '::ffff:a9fe:a9fe'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254'],
    ['http://0.0.0.0:8080/', '0.0.0.0'],
  ])('refuses %s (normalised to %s) without resolving anything', async (url, address) => {
    const failure = await refusal(guard, url);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure.errorClass).toBe('permanent');
    expect(failure.code).toBe('SSRF_BLOCKED');
    expect(failure.message).toContain(address);
  });

  it('refuses a name when any of its addresses is private, and IPv6-only loopback names', async () => {
    expect((await refusal(guard, 'http://sneaky.test/')).message).toMatch(
      /sneaky\.test resolves to 10\.0\.0\.5\): private address/,
    );
    expect((await refusal(guard, 'https://v6.test/')).code).toBe('SSRF_BLOCKED');
  });

  it('allows public names and returns the addresses it vetted', async () => {
    await expect(guard.vetUrl(new URL('http://public.test/x'))).resolves.toEqual([
      { address: '93.184.215.14', family: 4 },
    ]);
  });

  it('refuses other schemes and credentials in URLs', async () => {
    expect((await refusal(guard, 'file:///etc/passwd')).code).toBe('UNSUPPORTED_SCHEME');
    expect((await refusal(guard, 'ftp://public.test/')).code).toBe('UNSUPPORTED_SCHEME');
    expect((await refusal(guard, 'http://user:pw@public.test/')).code).toBe('UNSUPPORTED_URL');
  });

  it('treats an unknown name as transient (DNS can recover)', async () => {
    const failure = await refusal(guard, 'http://nowhere.test/');
    expect(failure.errorClass).toBe('transient');
    expect(failure.code).toBe('ENOTFOUND');
  });

  it('lets FETCH_ALLOW_HOSTS exempt names, addresses and CIDRs', async () => {
    const allowing = new SsrfGuard(
      ['localhost', '127.0.0.1', '10.0.0.0/8', 'fd00::/8'],
      table({
        localhost: ['127.0.0.1', '::1'],
        'sneaky.test': ['93.184.215.14', '10.0.0.5'],
        'lan.test': ['192.168.0.2'],
      }),
    );
    await expect(allowing.vetUrl(new URL('http://localhost:8080/'))).resolves.toHaveLength(2);
    await expect(allowing.vetUrl(new URL('http://127.0.0.1/'))).resolves.toHaveLength(1);
    await expect(allowing.vetUrl(new URL('http://2130706433/'))).resolves.toHaveLength(1);
    await expect(allowing.vetUrl(new URL('http://[::ffff:127.0.0.1]/'))).resolves.toHaveLength(1);
    await expect(allowing.vetUrl(new URL('http://sneaky.test/'))).resolves.toHaveLength(2);
    await expect(allowing.vetUrl(new URL('http://[fd00:ec2::1]/'))).resolves.toHaveLength(1);
    expect((await refusal(allowing, 'http://127.0.0.2/')).code).toBe('SSRF_BLOCKED');
    expect((await refusal(allowing, 'http://lan.test/')).code).toBe('SSRF_BLOCKED');
    expect((await refusal(allowing, 'http://169.254.169.254/')).code).toBe('SSRF_BLOCKED');
  });

  describe('IPv6 CIDRs in ranges that embed an IPv4 address', () => {
    const allows = async (allowHosts: string[], host: string): Promise<boolean> => {
      try {
        await new SsrfGuard(allowHosts, table({})).vetHost(host);
        return true;
      } catch (error) {
        if ((error as TaskFailure).code !== 'SSRF_BLOCKED') throw error;
        return false;
      }
    };
    const verdicts = async (allowHosts: string[], hosts: string[]): Promise<Record<string, boolean>> => {
      const result: Record<string, boolean> = {};
      for (const host of hosts) result[host] = await allows(allowHosts, host);
      return result;
    };

    it('6to4 2002::/16 pins no IPv4 bits: metadata, loopback and private stay refused, in any form', async () => {
      expect(
        await verdicts(
          ['2002::/16'],
          ['169.254.169.254', '127.0.0.1', '10.0.0.1', '2002:a9fe:a9fe::', '2002:7f00:1::', '2002:a00:1::'],
        ),
      ).toEqual({
        '169.254.169.254': false,
        '127.0.0.1': false,
        '10.0.0.1': false,
        '2002:a9fe:a9fe::': false,
        '2002:7f00:1::': false,
        '2002:a00:1::': false,
      });
    });

    it('a 6to4 CIDR allows the IPv4 addresses its bits 16..48 name, in either form', async () => {
      expect(
        await verdicts(
          ['2002:c0a8:0100::/40'],
          [
            '192.168.1.1',
            '192.168.1.254',
            '2002:c0a8:101::',
            '2002:c0a8:1fe:5::1',
            '192.168.2.1',
            '2002:c0a8:201::',
          ],
        ),
      ).toEqual({
        '192.168.1.1': true,
        '192.168.1.254': true,
        '2002:c0a8:101::': true,
        '2002:c0a8:1fe:5::1': true,
        '192.168.2.1': false,
        '2002:c0a8:201::': false,
      });
      expect(await verdicts(['2002:7f00:1:1::/64'], ['127.0.0.1', '127.0.0.2'])).toEqual({
        '127.0.0.1': true,
        '127.0.0.2': false,
      });
    });

    it('a NAT64 CIDR allows the IPv4 addresses its low 32 bits name', async () => {
      expect(
        await verdicts(
          ['64:ff9b::10.0.0.0/104'],
          [
            '10.1.2.3',
            '64:ff9b::10.1.2.3',
            '172.16.0.1',
            '64:ff9b::172.16.0.1',
            '64:ff9b::127.0.0.1',
            '192.168.1.1',
            '169.254.169.254',
          ],
        ),
      ).toEqual({
        '10.1.2.3': true,
        '64:ff9b::10.1.2.3': true,
        '172.16.0.1': false,
        '64:ff9b::172.16.0.1': false,
        '64:ff9b::127.0.0.1': false,
        '192.168.1.1': false,
        '169.254.169.254': false,
      });
    });

    it.each([
      ['::ffff:0:0/96'],
      ['::ffff:0:0/95'],
      ['64:ff9b::/96'],
      ['2002::/15'],
      ['64:ff9b::/32'],
      ['::/0'],
    ])('%s allows no IPv4 address, embedded or not', async (entry) => {
      expect(
        await verdicts(
          [entry],
          [
            '127.0.0.1',
            '10.0.0.1',
            '169.254.169.254',
            '::ffff:127.0.0.1',
            '64:ff9b::a00:1',
            '2002:a9fe:a9fe::',
          ],
        ),
      ).toEqual({
        '127.0.0.1': false,
        '10.0.0.1': false,
        '169.254.169.254': false,
        '::ffff:127.0.0.1': false,
        '64:ff9b::a00:1': false,
        '2002:a9fe:a9fe::': false,
      });
    });

    it('an IPv6 CIDR wider than an embedding range still allows the plain IPv6 addresses it holds', async () => {
      expect(await verdicts(['::/0'], ['fd00::1', '::1'])).toEqual({ 'fd00::1': true, '::1': true });
    });
  });

  it('answers socket lookups with the vetted addresses only', async () => {
    const lookup = (host: string, all: boolean): Promise<unknown> =>
      new Promise((resolve, reject) =>
        guard.connectLookup(host, { all }, (error, address, family) =>
          error ? reject(error) : resolve(all ? address : [address, family]),
        ),
      );
    await expect(lookup('public.test', true)).resolves.toEqual([{ address: '93.184.215.14', family: 4 }]);
    await expect(lookup('public.test', false)).resolves.toEqual(['93.184.215.14', 4]);
    await expect(lookup('sneaky.test', true)).rejects.toMatchObject({ code: 'SSRF_BLOCKED' });
  });
});
