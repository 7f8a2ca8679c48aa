import { SEED_EXAMPLE_DEFINITION } from '@crawlflow/contracts';
import { validateDefinition } from './workflow-store';

describe('workflow definitions', () => {
  it("accepts the original design's example and keeps its text as submitted", () => {
    const { definition, text } = validateDefinition(SEED_EXAMPLE_DEFINITION);
    expect(definition.steps.map((step) => step.type)).toEqual(['FETCH', 'PARSE']);
    expect(JSON.parse(text)).toEqual(SEED_EXAMPLE_DEFINITION);
    expect(validateDefinition(JSON.stringify(SEED_EXAMPLE_DEFINITION)).text).toBe(text);
  });

  it('names the JSON path of a problem under workflow_definition', () => {
    const broken = structuredClone(SEED_EXAMPLE_DEFINITION) as { steps: Array<Record<string, unknown>> };
    broken.steps[1].config = { parser: 'html', selectors: { items: '.x', price: '.p[' } };
    expect(() =>
      validateDefinition(broken, { selector: (s) => (s.endsWith('[') ? 'unclosed [' : undefined) }),
    ).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        path: 'workflow_definition.steps[1].config.selectors.price',
      }),
    );
    expect(() => validateDefinition('{not json')).toThrow(
      expect.objectContaining({ path: 'workflow_definition' }),
    );
    expect(() => validateDefinition({ steps: [{ name: 'a', type: 'CRAWL' }] })).toThrow(
      expect.objectContaining({ path: 'workflow_definition.steps[0].type' }),
    );
  });

  it('refuses a definition whose stored text is over what a TEXT column holds', () => {
    const withDefault = (value: string) => {
      const definition = structuredClone(SEED_EXAMPLE_DEFINITION) as { steps: Array<{ config: object }> };
      definition.steps[1].config = { selectors: { name: { selector: '.title', default: value } } };
      return definition;
    };
    expect(validateDefinition(withDefault('é'.repeat(30_000))).text).toContain('é');
    expect(() => validateDefinition(withDefault('é'.repeat(40_000)))).toThrow(
      expect.objectContaining({ kind: 'invalid', path: 'workflow_definition' }),
    );
  });
});
