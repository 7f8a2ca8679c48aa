import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, constants as zlib } from 'node:zlib';
import { permanent } from '@crawlflow/contracts';

const decompressors = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
  deflateRaw: promisify(inflateRaw),
  br: promisify(brotliDecompress),
};

/**
 * Reads a response body chunk by chunk and stops at `maxBytes`: the stream is destroyed as soon as
 * the limit is crossed, so a huge (or endless) body costs at most `maxBytes` of memory.
 */
export async function readLimited(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  url: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      // Leaving the for-await destroys the stream (and the connection): nothing more is read.
      throw permanent(`GET ${url}: response larger than ${maxBytes} bytes, cut off`, 'TOO_LARGE');
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/**
 * Undoes Content-Encoding (gzip, deflate, br; stacked encodings in reverse order) with the decoded
 * size capped at `maxBytes`: zlib stops at `maxOutputLength`, so a small bomb never inflates past
 * the cap in memory.
 */
export async function decodeContent(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
  url: string,
): Promise<Buffer> {
  const encodings = (contentEncoding ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e && e !== 'identity')
    .reverse();
  let body = raw;
  for (const encoding of encodings) {
    body = await decodeOne(body, encoding, maxBytes, url);
  }
  return body;
}

async function decodeOne(body: Buffer, encoding: string, maxBytes: number, url: string): Promise<Buffer> {
  const options = { maxOutputLength: maxBytes, finishFlush: zlib.Z_SYNC_FLUSH };
  try {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        return await decompressors.gzip(body, options);
      case 'deflate':
        // Some servers send raw deflate under this name; zlib-wrapped is the standard.
        return await decompressors.deflate(body, options).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ERR_BUFFER_TOO_LARGE') throw error;
          return decompressors.deflateRaw(body, options);
        });
      case 'br':
        return await decompressors.br(body, { maxOutputLength: maxBytes });
      default:
        throw permanent(`GET ${url}: unsupported Content-Encoding "${encoding}"`, 'UNSUPPORTED_ENCODING');
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw permanent(
        `GET ${url}: ${encoding} body inflates past ${maxBytes} bytes (decompression bomb?)`,
        'DECOMPRESSION_BOMB',
      );
    }
    if ((error as { errorClass?: string }).errorClass) throw error;
    throw permanent(`GET ${url}: corrupt ${encoding} body: ${(error as Error).message}`, 'BAD_ENCODING');
  }
}
