import { SchemaError } from '../validation';
import type { StepDefinition } from './definition.types';

/**
 * The rules over the whole list of steps, checked once every step has parsed: a workflow starts
 * with a FETCH, every FETCH is followed by a PARSE and every PARSE follows a FETCH, only the first
 * FETCH paginates or crawls, STORE comes last and after records, and no workflow ends on a fan-out
 * FETCH.
 */
export function checkStepOrder(steps: StepDefinition[]): void {
  if (steps[0].type !== 'FETCH') throw new SchemaError('$.steps[0].type', 'the first step must be FETCH');
  steps.forEach((step, i) => {
    const path = `$.steps[${i}]`;
    const previous = steps[i - 1];
    if (step.type === 'PARSE' && previous?.type !== 'FETCH') {
      throw new SchemaError(`${path}.type`, 'PARSE reads pages: it must follow a FETCH step');
    }
    if (i > 0 && step.type !== 'PARSE' && previous.type === 'FETCH') {
      throw new SchemaError(
        `${path}.type`,
        `a FETCH step yields pages: follow it with PARSE, not ${step.type}`,
      );
    }
    if (step.type === 'FETCH' && i > 0) {
      const fetch = step.config;
      if (!fetch.url_field && !fetch.url_pattern) {
        throw new SchemaError(`${path}.config`, 'a FETCH fed with records needs url_field or url_pattern');
      }
      if (fetch.pagination || fetch.crawl) {
        throw new SchemaError(`${path}.config`, 'pagination and crawl apply to the first FETCH only');
      }
    }
    if (step.type === 'FETCH' && i === 0 && !step.config.url_pattern) {
      throw new SchemaError(
        `${path}.config.url_pattern`,
        'the first FETCH needs a url_pattern (e.g. "{base_url}/list")',
      );
    }
    if (step.type === 'FETCH' && i === 0 && step.config.url_field) {
      throw new SchemaError(
        `${path}.config.url_field`,
        'the first FETCH has no input records to read a URL from',
      );
    }
  });
  steps.forEach((step, i) => {
    if (step.type === 'STORE' && i !== steps.length - 1) {
      throw new SchemaError(`$.steps[${i}].type`, 'STORE must be the last step');
    }
    if (step.type === 'STORE' && i === 0)
      throw new SchemaError(`$.steps[${i}].type`, 'STORE needs records before it');
  });
  const last = steps[steps.length - 1];
  if (last.type === 'FETCH' && steps.length > 1) {
    throw new SchemaError(
      `$.steps[${steps.length - 1}].type`,
      'a workflow cannot end on a fan-out FETCH: add a PARSE after it',
    );
  }
}
