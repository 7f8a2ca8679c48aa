import { chunksByBytes } from './sql-values';

describe('chunksByBytes', () => {
  const size = (s: string): number => s.length;

  it('keeps every item, in order, in runs no larger than the limit', () => {
    const items = ['aaaa', 'bb', 'cccc', 'd', 'eeeee', 'ff'];
    const chunks = chunksByBytes(items, size, 6);
    expect(chunks.flat()).toEqual(items);
    expect(chunks).toEqual([['aaaa', 'bb'], ['cccc', 'd'], ['eeeee'], ['ff']]);
    for (const chunk of chunks) expect(chunk.map(size).reduce((a, b) => a + b)).toBeLessThanOrEqual(6);
  });

  it('gives an item larger than the limit a run of its own rather than dropping it', () => {
    expect(chunksByBytes(['x', 'yyyyyyyyyy', 'z'], size, 4)).toEqual([['x'], ['yyyyyyyyyy'], ['z']]);
  });

  it('has no runs for no items', () => {
    expect(chunksByBytes([], size, 4)).toEqual([]);
  });
});
