import { TEXT_COLUMN_BYTES as TEXT_BYTES } from '../column-sizes';
import { clipBytes, fitsBytes } from './text-bytes';

describe('UTF-8 byte limits', () => {
  const hangul = '한'.repeat(30_000); // 30,000 UTF-16 units, 90,000 bytes

  it('measures bytes, not UTF-16 units', () => {
    expect(hangul.length).toBeLessThan(TEXT_BYTES);
    expect(fitsBytes(hangul)).toBe(false);
    expect(fitsBytes('a'.repeat(TEXT_BYTES))).toBe(true);
    expect(fitsBytes('a'.repeat(TEXT_BYTES + 1))).toBe(false);
  });

  it('clips on a character boundary and stays within the limit', () => {
    for (const max of [TEXT_BYTES, 1000, 10, 4]) {
      const clipped = clipBytes(hangul, max);
      expect(Buffer.byteLength(clipped)).toBeLessThanOrEqual(max);
      expect(clipped.endsWith('…')).toBe(true);
      expect(clipped).not.toContain('\ufffd');
    }
    const emoji = '😀'.repeat(100); // four bytes each
    const clipped = clipBytes(emoji, 50);
    expect(Buffer.byteLength(clipped)).toBeLessThanOrEqual(50);
    expect(clipped).toBe(`${'😀'.repeat(11)}…`);
  });

  it('leaves text that fits alone', () => {
    expect(clipBytes('가나다', 9)).toBe('가나다');
  });
});
