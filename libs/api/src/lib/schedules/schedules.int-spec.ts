import { useApiHarness } from '../testing/api-harness';

describe('schedules', () => {
  const api = useApiHarness('schedules-int-spec');
  let workflowId: string;

  beforeEach(async () => {
    workflowId = await api().createWorkflow({ workflow_name: 'schedules-wf' });
  });

  it('creates, reads (with the next 5 fire times), pauses, fires and deletes a schedule', async () => {
    const { call } = api();
    const created = await call('POST', '/api/schedules', {
      workflow_id: workflowId,
      schedule_type: 'FIXED',
      cron_expression: '0 9 * * 1-5',
      timezone: 'Asia/Seoul',
      priority: 8,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const detail = await call('GET', `/api/schedules/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.next_fire_times).toHaveLength(5);
    const paused = await call('PATCH', `/api/schedules/${id}`, { is_active: false });
    expect(paused.body.is_active).toBe(false);
    const fired = await call('POST', `/api/schedules/${id}/fire`);
    expect(fired.status).toBe(202);
    expect(fired.body.job_id).toMatch(/^\d+$/);
    expect((await call('GET', '/api/schedules')).body.data.map((s: { id: string }) => s.id)).toContain(id);
    expect((await call('DELETE', `/api/schedules/${id}`)).status).toBe(204);
    expect((await call('GET', '/api/schedules')).body.data.map((s: { id: string }) => s.id)).not.toContain(
      id,
    );
    expect((await call('GET', '/api/schedules/999999')).status).toBe(404);
  });

  it('refuses an invalid cron expression or time zone with the reason', async () => {
    const { call } = api();
    const badCron = await call('POST', '/api/schedules', {
      workflow_id: workflowId,
      schedule_type: 'FIXED',
      cron_expression: '61 * * * *',
    });
    expect(badCron.status).toBe(400);
    expect(badCron.body.path).toBe('body.cron_expression');
    const badZone = await call('POST', '/api/schedules', {
      workflow_id: workflowId,
      schedule_type: 'FIXED',
      cron_expression: '0 * * * *',
      timezone: 'Mars/Olympus',
    });
    expect(badZone.status).toBe(400);
    expect(badZone.body.path).toBe('body.timezone');
  });
});
