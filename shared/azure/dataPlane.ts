// What the data-plane clients (blob service, registry) share with the ARM clients: the CAs they trust (TRUSTED_CA:
// the simulated Azure's, beside the public roots), one keep-alive agent per client, one deadline per call and one
// log line per request. Their SDKs take core-rest-pipeline options, so these are options and a policy, not a client.
import { Agent } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ArmClientSettings } from './arm.js';
import { resolveTrustedCa } from './arm.js';
import { reportUpstreamCall, startUpstreamCall, type UpstreamCallLog } from '../observability/upstreamLog.js';

/**
 * A keep-alive HTTPS agent trusting the public roots and TRUSTED_CA (as one secure context built once): a client
 * built with it reuses its connections across calls, as the ARM clients do.
 */
export function dataPlaneAgent(settings: Pick<ArmClientSettings, 'azure'>): Agent {
  const ca = resolveTrustedCa(settings.azure.trustedCa);
  return new Agent({ keepAlive: true, ...(ca ? { secureContext: createSecureContext({ ca }) } : {}) });
}

/** Bounds one data-plane call (token exchange and retries included) and writes its upstream line (`target`). */
export function dataPlanePolicy(target: string, timeoutMs: number, logCall?: UpstreamCallLog): PipelinePolicy {
  return {
    name: 'dataPlaneCallPolicy',
    async sendRequest(request, next) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const callers = request.abortSignal as AbortSignal | undefined;
      request.abortSignal = callers ? AbortSignal.any([callers, deadline]) : deadline;
      const end = startUpstreamCall(target, request.method, request.url);
      try {
        const response = await next(request);
        if (logCall) reportUpstreamCall(logCall, end(response.status));
        return response;
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        if (logCall) reportUpstreamCall(logCall, end(typeof status === 'number' ? status : 0, error));
        throw error;
      }
    },
  };
}
