import { parseJobRequest } from './job-request';

describe('job requests', () => {
  it('reads a full API body', () => {
    expect(
      parseJobRequest(
        {
          target_id: 7,
          params: { a: 1 },
          priority: 8,
          job_type: 'FULL',
          idempotency_key: 'k',
          depends_on: [{ job_id: '3' }],
        },
        'body',
        'url',
      ),
    ).toEqual({
      targetId: '7',
      params: { a: 1 },
      priority: 8,
      jobType: 'FULL',
      idempotencyKey: 'k',
      dependsOn: [{ jobId: '3', dependencyType: 'SUCCESS' }],
    });
  });

  it('names the offending field', () => {
    const pathOf = (value: unknown, kind: 'url' | 'id' | 'event' = 'url'): string | undefined => {
      try {
        parseJobRequest(value, 'body', kind);
        return undefined;
      } catch (error) {
        return (error as { path?: string }).path;
      }
    };
    expect(pathOf({ priority: 0 })).toBe('body.priority');
    expect(pathOf({ priority: '5' })).toBe('body.priority');
    expect(pathOf({ target_id: 'x' })).toBe('body.target_id');
    expect(pathOf({ params: [] })).toBe('body.params');
    expect(pathOf({ idempotencyKey: 'k' })).toBe('body.idempotencyKey');
    expect(pathOf({ workflow_id: '1' })).toBe('body.workflow_id');
    expect(pathOf({ depends_on: [{ job_id: '1', dependency_type: 'MAYBE' }] })).toBe(
      'body.depends_on[0].dependency_type',
    );
    expect(pathOf({}, 'event')).toBe('body.workflow_id');
    expect(pathOf({ workflow_id: '1', workflow_name: 'w' }, 'event')).toBe('body.workflow_name');
    expect(pathOf('text')).toBe('body');
  });

  it('refuses params whose JSON is over what the TEXT column holds, counting bytes', () => {
    const params = (value: string) => parseJobRequest({ params: { note: value } }, 'body', 'url').params;
    // {"note":"…"} is 11 bytes around the value.
    expect(params('x'.repeat(65_535 - 11))).toEqual({ note: 'x'.repeat(65_524) });
    expect(() => params('x'.repeat(65_535 - 10))).toThrow(expect.objectContaining({ path: 'body.params' }));
    expect(() => params('é'.repeat(40_000))).toThrow(/^body\.params: 80011 bytes as JSON/);
  });
});
