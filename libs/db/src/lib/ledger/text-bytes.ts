import { TEXT_COLUMN_BYTES } from '../column-sizes';

/*
 * TEXT holds bytes, not characters: a Hangul syllable takes three of them in UTF-8 while
 * JavaScript counts it as one UTF-16 unit. Every limit on a TEXT column is counted here in bytes.
 */

const ELLIPSIS = '…'; // 3 bytes

/** True when `text` fits `maxBytes` of UTF-8. */
export function fitsBytes(text: string, maxBytes = TEXT_COLUMN_BYTES): boolean {
  // Every UTF-16 unit takes at most 3 bytes (a surrogate pair, two units, takes 4): cheap bound first.
  return text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes;
}

/**
 * Cuts `text` to at most `maxBytes` of UTF-8, on a character boundary, marking the cut with an
 * ellipsis. For messages (errors, summaries) where the start says what matters; never for data.
 */
export function clipBytes(text: string, maxBytes = TEXT_COLUMN_BYTES): string {
  if (fitsBytes(text, maxBytes)) return text;
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.max(0, maxBytes - Buffer.byteLength(ELLIPSIS));
  // Step back over continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString('utf8')}${ELLIPSIS}`;
}

export function clipBytesOrNull(
  text: string | null | undefined,
  maxBytes = TEXT_COLUMN_BYTES,
): string | null {
  return text === undefined || text === null ? null : clipBytes(text, maxBytes);
}
