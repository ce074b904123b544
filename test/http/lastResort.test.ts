// The pipeline's last net: when one of its own steps throws (here its clock), the answer is still the error
// envelope, and it still carries the caller's request id, resolved before anything could throw.
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { createHttpPipeline } from '../../shared/http/pipeline.js';

describe('the last-resort error path', () => {
  it('answers 500 internalError with the request id when a step of the pipeline itself throws', async () => {
    const config = loadConfig({ TABLE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    const captures = { record: async () => {}, list: async () => [], settled: async () => {} };
    const broken = () => {
      throw new Error('clock broken');
    };
    const pipeline = createHttpPipeline({ config, captures, log: () => {}, now: broken });
    let reached = false;
    const guarded = pipeline.wrap({ auth: 'none' }, async () => {
      reached = true;
      return { body: {} };
    });
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost/api/x', headers: { 'x-request-id': 'last-resort-1' } });
    const response = await guarded(request, new InvocationContext({ functionName: 'x' }));
    expect(reached).toBe(false);
    expect(response).toMatchObject({
      status: 500,
      jsonBody: { error: { code: 'internalError', requestId: 'last-resort-1' } },
      headers: { 'x-request-id': 'last-resort-1' },
    });
  });
});
