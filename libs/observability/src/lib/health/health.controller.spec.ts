import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { ReadinessCheck } from './readiness';

// @nestjs/testing is not a dependency; the controller's only collaborator is built by hand.
function controllerWith(checks: ReadinessCheck[]): HealthController {
  return new HealthController(new HealthService(checks, 50));
}

function fakeResponse() {
  const res = { statusCode: 200, status: (code: number) => (res.statusCode = code) };
  return res;
}

describe('HealthController', () => {
  it('answers live without looking at any dependency', async () => {
    const controller = controllerWith([{ name: 'database', run: () => Promise.reject(new Error('down')) }]);
    expect(controller.live()).toEqual({ status: 'ok' });
  });

  it('answers ready with 200 when every check passes', async () => {
    const controller = controllerWith([{ name: 'database', run: async () => undefined }]);
    const res = fakeResponse();
    await expect(controller.ready(res)).resolves.toEqual({
      status: 'ok',
      checks: { database: { status: 'up' } },
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers ready with 503 and the reasons when a check fails', async () => {
    const controller = controllerWith([
      { name: 'database', run: async () => undefined },
      { name: 'broker', run: () => Promise.reject(new Error('not connected to the broker (reconnecting)')) },
    ]);
    const res = fakeResponse();
    await expect(controller.ready(res)).resolves.toEqual({
      status: 'unavailable',
      checks: {
        database: { status: 'up' },
        broker: { status: 'down', error: 'not connected to the broker (reconnecting)' },
      },
    });
    expect(res.statusCode).toBe(503);
  });
});
