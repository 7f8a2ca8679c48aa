import { runReadinessChecks, unavailableReport } from './readiness';

const up = (name: string) => ({ name, run: async () => undefined });
const down = (name: string, error: Error) => ({
  name,
  run: async () => {
    throw error;
  },
});

describe('runReadinessChecks', () => {
  it('is ok when every check passes', async () => {
    await expect(runReadinessChecks([up('database'), up('broker')], 100)).resolves.toEqual({
      status: 'ok',
      checks: { database: { status: 'up' }, broker: { status: 'up' } },
    });
  });

  it('reports each failing dependency with its reason, driver code included', async () => {
    const refused = Object.assign(new Error('connect refused 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const report = await runReadinessChecks([down('database', refused), up('broker')], 100);
    expect(report).toEqual({
      status: 'unavailable',
      checks: {
        database: { status: 'down', error: 'ECONNREFUSED: connect refused 127.0.0.1:3306' },
        broker: { status: 'up' },
      },
    });
  });

  it('does not repeat a code the message already names', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const report = await runReadinessChecks([down('database', refused)], 100);
    expect(report.checks.database).toEqual({ status: 'down', error: 'connect ECONNREFUSED 127.0.0.1:3306' });
  });

  it('calls a hanging check down after the timeout instead of hanging the probe', async () => {
    const hanging = { name: 'database', run: () => new Promise<void>(() => undefined) };
    const started = Date.now();
    const report = await runReadinessChecks([hanging, up('broker')], 30);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report).toEqual({
      status: 'unavailable',
      checks: { database: { status: 'down', error: 'no answer within 30 ms' }, broker: { status: 'up' } },
    });
  });

  it('turns a synchronous throw and a non-Error rejection into a down result', async () => {
    const report = await runReadinessChecks(
      [
        {
          name: 'sync',
          run: () => {
            throw new Error('sync failure');
          },
        },
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a check that rejects with a non-Error
        { name: 'odd', run: () => Promise.reject('just a string') },
      ],
      100,
    );
    expect(report.checks).toEqual({
      sync: { status: 'down', error: 'sync failure' },
      odd: { status: 'down', error: 'just a string' },
    });
  });
});

describe('unavailableReport', () => {
  it('has the shape of a failed readiness report', () => {
    expect(unavailableReport({ database: 'connecting', broker: 'waiting' })).toEqual({
      status: 'unavailable',
      checks: {
        database: { status: 'down', error: 'connecting' },
        broker: { status: 'down', error: 'waiting' },
      },
    });
  });
});
