import { JsonLogger, JsonLoggerOptions } from './json-logger';

function capture(options: Partial<JsonLoggerOptions> = {}) {
  const writes: string[] = [];
  const logger = new JsonLogger({
    app: 'scheduler',
    level: 'info',
    write: (line) => writes.push(line),
    now: () => new Date('2030-01-02T03:04:05.678Z'),
    ...options,
  });
  const lines = (): Array<Record<string, unknown>> =>
    writes.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, writes, lines };
}

describe('JsonLogger', () => {
  it('writes exactly one JSON object per call, newline-terminated, with the standard fields first', () => {
    const { logger, writes, lines } = capture();
    logger.log('scheduler tick', 'ScheduleService');
    logger.warn('slow query', 'Db');

    expect(writes).toHaveLength(2);
    for (const write of writes) expect(write).toMatch(/^\{.*\}\n$/);
    expect(writes.join('').split('\n').filter(Boolean)).toHaveLength(2);
    expect(lines()[0]).toEqual({
      time: '2030-01-02T03:04:05.678Z',
      level: 'info',
      app: 'scheduler',
      context: 'ScheduleService',
      msg: 'scheduler tick',
    });
    expect(Object.keys(lines()[0])).toEqual(['time', 'level', 'app', 'context', 'msg']);
    expect(lines()[1]).toMatchObject({ level: 'warn', context: 'Db', msg: 'slow query' });
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.debug('d');
    logger.verbose('v');
    logger.log('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(lines().map((line) => line.level)).toEqual(['warn', 'error', 'fatal']);
  });

  it('prints debug and verbose as debug when LOG_LEVEL=debug', () => {
    const { logger, lines } = capture({ level: 'debug' });
    logger.debug('d');
    logger.verbose('v');
    expect(lines().map((line) => [line.level, line.msg])).toEqual([
      ['debug', 'd'],
      ['debug', 'v'],
    ]);
  });

  it('narrows further when Nest sets its own levels', () => {
    const { logger, lines } = capture({ level: 'debug' });
    logger.setLogLevels(['error']);
    logger.log('hidden');
    logger.error('shown');
    expect(lines().map((line) => line.msg)).toEqual(['shown']);
  });

  it('keeps a multi-line message and a stack inside one line', () => {
    const { logger, writes, lines } = capture();
    const error = new Error('boom');
    logger.error('failed\nto start', error.stack, 'Bootstrap');
    expect(writes).toHaveLength(1);
    expect(writes[0].trimEnd()).not.toContain('\n');
    expect(lines()[0]).toMatchObject({
      level: 'error',
      context: 'Bootstrap',
      msg: 'failed\nto start',
      stack: error.stack,
    });
  });

  it("follows Nest's convention for error(message, stackOrContext)", () => {
    const { logger, lines } = capture();
    const stack = new Error('x').stack ?? '';
    logger.error('with context', 'AmqpClient');
    logger.error('with stack', stack);
    expect(lines()[0]).toMatchObject({ context: 'AmqpClient', msg: 'with context' });
    expect(lines()[0]).not.toHaveProperty('stack');
    expect(lines()[1]).toMatchObject({ msg: 'with stack', stack });
    expect(lines()[1]).not.toHaveProperty('context');
  });

  it('spreads the fields of an object message and keeps the reserved fields its own', () => {
    const { logger, lines } = capture();
    logger.log(
      { msg: 'job started', job_id: 7, time: 'forged', level: 'forged', nested: { a: 1 } },
      'JobService',
    );
    expect(lines()[0]).toEqual({
      time: '2030-01-02T03:04:05.678Z',
      level: 'info',
      app: 'scheduler',
      context: 'JobService',
      msg: 'job started',
      job_id: 7,
      nested: { a: 1 },
    });
  });

  it('logs an Error message with its name and stack', () => {
    const { logger, lines } = capture();
    logger.error(new TypeError('bad input'));
    expect(lines()[0]).toMatchObject({ level: 'error', msg: 'bad input', error: 'TypeError' });
    expect(lines()[0].stack).toEqual(expect.stringContaining('TypeError: bad input'));
  });

  it('never throws on values JSON cannot represent', () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { msg: 'cyclic' };
    cyclic.self = cyclic;
    logger.log(cyclic);
    logger.log({ msg: 'big', count: BigInt(10) });
    logger.log(42);
    expect(lines()).toEqual([
      expect.objectContaining({ msg: 'cyclic', self: { msg: 'cyclic', self: '[Circular]' } }),
      expect.objectContaining({ msg: 'big', count: '10' }),
      expect.objectContaining({ msg: '42' }),
    ]);
  });
});
