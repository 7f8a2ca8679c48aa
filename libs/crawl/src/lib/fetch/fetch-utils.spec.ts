import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { TaskFailure } from '@crawlflow/contracts';
import { decodeContent } from './body.reader';
import { decodeBody, isTextual, parseContentType, sniffMetaCharset } from './charset.util';
import { parseRetryAfter, statusFailure } from './http-failure.util';

describe('charset', () => {
  it('reads the charset from Content-Type, else <meta>, else UTF-8', () => {
    const euckr = Buffer.from([0xc7, 0xd1, 0xb1, 0xdb]); // "한글" in EUC-KR
    expect(decodeBody(euckr, parseContentType('text/html; charset=EUC-KR'))).toEqual({
      text: '한글',
      charset: 'euc-kr',
    });
    const page = Buffer.concat([Buffer.from('<html><head><meta charset="euc-kr"></head><body>'), euckr]);
    expect(decodeBody(page, parseContentType('text/html')).text).toContain('한글');
    const equiv = Buffer.from(
      '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>caf\xe9</p>',
      'latin1',
    );
    expect(sniffMetaCharset(equiv)).toBe('iso-8859-1');
    expect(decodeBody(equiv, parseContentType('text/html')).text).toContain('café');
    expect(decodeBody(Buffer.from('café'), parseContentType(undefined))).toEqual({
      text: 'café',
      charset: 'utf-8',
    });
    expect(decodeBody(Buffer.from('x'), parseContentType('text/html; charset=no-such-charset')).charset).toBe(
      'utf-8',
    );
  });

  it('tells text from binary media types', () => {
    for (const type of ['text/html', 'application/json', 'application/ld+json', 'application/rss+xml', ''])
      expect(isTextual(type)).toBe(true);
    for (const type of [
      'image/png',
      'video/mp4',
      'application/octet-stream',
      'application/pdf',
      'application/zip',
      'font/woff2',
    ])
      expect(isTextual(type)).toBe(false);
  });
});

describe('decodeContent', () => {
  const body = Buffer.from('<p>hello</p>'.repeat(100));
  it.each([
    ['gzip', gzipSync(body)],
    ['x-gzip', gzipSync(body)],
    ['deflate', deflateSync(body)],
    ['deflate', deflateRawSync(body)],
    ['br', brotliCompressSync(body)],
    ['identity', body],
  ])('undoes %s', async (encoding, encoded) => {
    expect(await decodeContent(encoded, encoding, 1_000_000, 'http://x/')).toEqual(body);
  });

  it.each([
    ['gzip', gzipSync],
    // Quality 4: zeros shrink as far as at the default 11, in a twentieth of the time.
    ['br', (data: Buffer) => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })],
    ['deflate', deflateSync],
  ] as const)('refuses a %s bomb at the cap', async (encoding, compress) => {
    const bomb = compress(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(200_000);
    await expect(decodeContent(bomb, encoding, 1024 * 1024, 'http://x/')).rejects.toMatchObject({
      errorClass: 'permanent',
      code: 'DECOMPRESSION_BOMB',
    });
  });

  it('refuses unknown and corrupt encodings permanently', async () => {
    await expect(decodeContent(body, 'zstd', 1e6, 'http://x/')).rejects.toMatchObject({
      code: 'UNSUPPORTED_ENCODING',
    });
    await expect(decodeContent(Buffer.from('not gzip'), 'gzip', 1e6, 'http://x/')).rejects.toMatchObject({
      code: 'BAD_ENCODING',
    });
  });
});

describe('status mapping', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('maps 404/410/other 4xx to permanent and 429/5xx to transient, code HTTP_<status>', () => {
    const cases: Array<[number, string]> = [
      [404, 'permanent'],
      [410, 'permanent'],
      [403, 'permanent'],
      [400, 'permanent'],
      [429, 'transient'],
      [500, 'transient'],
      [503, 'transient'],
    ];
    for (const [status, errorClass] of cases) {
      const failure = statusFailure(status, 'http://x/', '7');
      expect(failure).toBeInstanceOf(TaskFailure);
      expect(failure).toMatchObject({ errorClass, code: `HTTP_${status}` });
      expect(failure.retryAfterMs).toBe(errorClass === 'transient' ? 7000 : undefined);
    }
  });
});
