import { canonicalJson, contentHash } from './canonical-json.util';

describe('canonicalJson / contentHash', () => {
  it('sorts keys at every depth so field order does not change the hash', () => {
    const a = { b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('follows JSON.stringify for undefined members and non-finite numbers', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, NaN], c: null })).toBe('{"b":[null,null],"c":null}');
    expect(contentHash({ p: 1 })).not.toBe(contentHash({ p: 2 }));
  });
});
