import iconv from 'iconv-lite';

export interface ContentType {
  /** The media type, lower case, without parameters (`text/html`); empty when absent. */
  mediaType: string;
  charset?: string;
}

export function parseContentType(header: string | undefined): ContentType {
  if (!header) return { mediaType: '' };
  const [type, ...params] = header.split(';');
  const result: ContentType = { mediaType: type.trim().toLowerCase() };
  for (const param of params) {
    const match = /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(param);
    if (match) result.charset = match[1].toLowerCase();
  }
  return result;
}

const META_CHARSET = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i;

/**
 * The charset a page declares in its first KB: `<meta charset="…">` or the http-equiv form
 * (`<meta http-equiv="Content-Type" content="text/html; charset=…">`), which the same pattern reads.
 */
export function sniffMetaCharset(body: Buffer): string | undefined {
  const head = body.subarray(0, 1024).toString('latin1');
  return META_CHARSET.exec(head)?.[1].toLowerCase();
}

function bomCharset(body: Buffer): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/**
 * Picks the charset as browsers do: a byte-order mark, then the Content-Type header, then a
 * `<meta>` declaration (HTML only), else UTF-8. Decodes with TextDecoder (WHATWG labels; Node's
 * full ICU covers EUC-KR, Shift_JIS, GB18030, …), then iconv-lite for labels it lacks; an unknown
 * label falls back to UTF-8 rather than failing the page. Invalid bytes become U+FFFD.
 */
export function decodeBody(body: Buffer, contentType: ContentType): { text: string; charset: string } {
  const declared =
    bomCharset(body) ??
    contentType.charset ??
    (contentType.mediaType === '' || contentType.mediaType.includes('html')
      ? sniffMetaCharset(body)
      : undefined);
  const label = declared ?? 'utf-8';
  try {
    const decoder = new TextDecoder(label);
    return { text: decoder.decode(body), charset: decoder.encoding };
  } catch {
    if (iconv.encodingExists(label)) return { text: iconv.decode(body, label), charset: label };
    return { text: new TextDecoder('utf-8').decode(body), charset: 'utf-8' };
  }
}

const TEXTUAL_APPLICATION = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/xhtml+xml',
  'application/x-ndjson',
  'application/ld+json',
]);

/**
 * Whether the fetcher reads this media type: text/*, JSON and XML flavours, and an absent type
 * (treated as text, the way a browser sniffs). Everything else — images, video, audio, fonts,
 * octet streams, PDFs, archives, office documents — is binary and refused before the body is read.
 */
export function isTextual(mediaType: string): boolean {
  if (mediaType === '' || mediaType.startsWith('text/')) return true;
  if (TEXTUAL_APPLICATION.has(mediaType)) return true;
  return /^application\/[\w.-]+\+(json|xml)$/.test(mediaType);
}
