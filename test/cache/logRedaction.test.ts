// The cache's own log lines (a failed refresh, a storage failure) quote errors; they pass the same redactor.
import { describe, expect, it } from 'vitest';
import { describeError } from '../../shared/observability/redaction.js';

describe('cache log lines', () => {
  it('redact what a failed refresh or storage call quotes', () => {
    const refresh = Object.assign(new Error('Unauthorized: Authorization: Bearer c2VjcmV0LXRva2Vu rejected; password=hunter2\nat stack'), { statusCode: 401 });
    const line = describeError(refresh);
    expect(line).toBe('Error 401 Unauthorized: Authorization: Bearer [redacted] rejected; password=[redacted]');
    expect(describeError('postgres://app:Sup3rS3cret@db:5432/x failed')).not.toContain('Sup3rS3cret');
    expect(describeError(new Error('GET https://st.table.core.windows.net/t?sig=abc failed AccountKey=k3y=='))).toBe(
      'Error GET <url> failed AccountKey=[redacted]',
    );
  });
});
