import { schemaProblem } from './schema-problem.testing';
import { parseStagePayload } from './stage-contracts';

describe('STORE payloads', () => {
  const coalesced = {
    ctx: {
      step: 4,
      pages: [
        { source: { url: 'https://shop.test/p/1', fetched_at: '2026-12-02 10:00:00.000' }, records: 1 },
        { records: 2 },
      ],
    },
    workflow_id: '7',
    key: 'sku',
    records: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }],
  };

  it('reads a STORE coalesced from several pages', () => {
    expect(parseStagePayload('store', coalesced)).toEqual(coalesced);
  });

  it.each([
    [
      'pages that count other records',
      { ...coalesced.ctx, pages: [{ records: 2 }] },
      '$.payload.ctx.pages: counts 2 records, the task has 3',
    ],
    [
      'an empty list of pages',
      { ...coalesced.ctx, pages: [] },
      '$.payload.ctx.pages: expected a non-empty array',
    ],
    ['a page without a count', { ...coalesced.ctx, pages: [{}] }, '$.payload.ctx.pages[0].records'],
  ])('refuses %s, naming the path', (_, ctx, text) => {
    expect(schemaProblem(() => parseStagePayload('store', { ...coalesced, ctx }))).toContain(text);
  });
});
