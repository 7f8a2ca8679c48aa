import { createHash } from 'node:crypto';
import { SchemaError } from '@crawlflow/contracts';
import { conflict, invalid, notFound, unprocessable } from '@crawlflow/engine';
import { ApiError } from './api-error';
import { toErrorBody } from './api-exception.filter';
import { bearerMatches, isApiPath } from './api-token.guard';
import { afterId, encodeCursor, pageOf, parsePageQuery } from './pagination';

describe('the error body', () => {
  it('names the field of schema and engine errors', () => {
    expect(toErrorBody(new SchemaError('body.priority', 'expected 1..10, got 11'))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'body.priority: expected 1..10, got 11',
      path: 'body.priority',
    });
    expect(
      toErrorBody(invalid('workflow_definition.steps[0].type: bad', 'workflow_definition.steps[0].type')),
    ).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'body.workflow_definition.steps[0].type: bad',
      path: 'body.workflow_definition.steps[0].type',
    });
  });

  it('maps engine kinds, HTTP errors, unique keys and the unexpected', () => {
    expect(toErrorBody(notFound('job 1 does not exist')).statusCode).toBe(404);
    expect(toErrorBody(conflict('already')).statusCode).toBe(409);
    expect(toErrorBody(unprocessable('no')).statusCode).toBe(422);
    expect(toErrorBody(new ApiError(401, 'token'))).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'token',
    });
    expect(toErrorBody(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' })).statusCode).toBe(409);
    const tooLarge = Object.assign(new Error('request entity too large'), {
      type: 'entity.too.large',
      status: 413,
      limit: 1_048_576,
      length: 3_145_738,
    });
    expect(toErrorBody(tooLarge)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message:
        'body: larger than the limit of 1048576 bytes (3145738 bytes sent); the API_BODY_LIMIT_BYTES setting raises it',
      path: 'body',
    });
    expect(toErrorBody({ ...tooLarge, length: undefined }).message).toBe(
      'body: larger than the limit of 1048576 bytes; the API_BODY_LIMIT_BYTES setting raises it',
    );
    const charset = Object.assign(new Error('unsupported charset "ISO-8859-1"'), {
      type: 'charset.unsupported',
      status: 415,
      expose: true,
    });
    expect(toErrorBody(charset)).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'body: unsupported charset "ISO-8859-1"',
      path: 'body',
    });
    const unreadable = Object.assign(new Error('stream is not readable'), {
      type: 'stream.not.readable',
      status: 500,
      expose: false,
    });
    expect(toErrorBody(unreadable).statusCode).toBe(500);
    expect(toErrorBody(new Error('secret internals'))).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error',
    });
  });
});

describe('the bearer token check', () => {
  const expected = createHash('sha256').update('s3cret').digest();

  it('accepts exactly the token, as a Bearer credential', () => {
    expect(bearerMatches('Bearer s3cret', expected)).toBe(true);
    expect(bearerMatches('bearer s3cret', expected)).toBe(true);
    expect(bearerMatches('Bearer s3cre', expected)).toBe(false);
    expect(bearerMatches('Bearer s3cretx', expected)).toBe(false);
    expect(bearerMatches('Basic s3cret', expected)).toBe(false);
    expect(bearerMatches('s3cret', expected)).toBe(false);
    expect(bearerMatches(undefined, expected)).toBe(false);
  });

  it('guards /api and nothing else', () => {
    expect(isApiPath('/api')).toBe(true);
    expect(isApiPath('/api/jobs')).toBe(true);
    expect(isApiPath('/apiary')).toBe(false);
    expect(isApiPath('/health/ready')).toBe(false);
    expect(isApiPath('/metrics')).toBe(false);
  });
});

describe('pagination', () => {
  it('reads limit and cursor, refusing bad ones by name', () => {
    expect(parsePageQuery({})).toEqual({ limit: 50 });
    const page = parsePageQuery({ limit: '3', cursor: encodeCursor({ id: '42' }) });
    expect(page.limit).toBe(3);
    expect(afterId(page)).toBe('42');
    for (const limit of ['0', '501', '2.5', 'x']) {
      expect(() => parsePageQuery({ limit })).toThrow(expect.objectContaining({ path: 'query.limit' }));
    }
    expect(() => parsePageQuery({ cursor: '!!' })).toThrow(expect.objectContaining({ path: 'query.cursor' }));
    expect(() => afterId(parsePageQuery({ cursor: encodeCursor({ id: '1 OR 1=1' }) }))).toThrow(SchemaError);
  });

  it('answers a next cursor only when another row exists', () => {
    const rows = [{ id: '1' }, { id: '2' }, { id: '3' }];
    expect(pageOf(rows, 3)).toEqual({ data: rows, next_cursor: null });
    const page = pageOf(rows, 2);
    expect(page.data).toEqual(rows.slice(0, 2));
    expect(afterId(parsePageQuery({ cursor: page.next_cursor }))).toBe('2');
  });
});
