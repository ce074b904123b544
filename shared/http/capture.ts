// Inspector capture: what the pipeline records of a call that reached its handler, redacted and bounded, into the
// inspector's ring (inspector.ts). A failed capture never fails the request: it is logged.
import { randomBytes } from 'node:crypto';
import { HttpResponse, type HttpRequest } from '@azure/functions';
import type { Config } from '../config.js';
import type { Caller } from './auth.js';
import type { ApiError } from './errors.js';
import {
  callerPseudonym,
  capturedHeaders,
  MAX_CAPTURED_BODY_BYTES,
  pseudonymiseBody,
  shouldCapture,
  truncateUtf8,
  type CaptureInput,
  type CaptureStore,
} from './inspector.js';
import { describeErrorChain, redactJson, redactQuery, redactText } from '../observability/redaction.js';

const MAX_CAPTURED_FIELD_CHARS = 1024;

/** What a capture reads of a request on its way through the pipeline. */
export interface CapturedExchange {
  readonly request: HttpRequest;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly log: { warn: (message: string) => void };
  caller?: Caller;
  /** The request body as sent (a route that reads one). */
  requestText?: string;
  failure?: ApiError;
  /** The answer's body, serialised for capture (Capture.body) when the pipeline built it. */
  capturedResponse?: string;
}

/**
 * A body as it is captured: JSON redacted field by field and every person it names as a keyed pseudonym (else
 * redacted as text), at most MAX_CAPTURED_BODY_BYTES.
 */
export function capturedText(text: string, pseudonymKey: string | Buffer): string {
  let redacted: string;
  try {
    redacted = JSON.stringify(pseudonymiseBody(redactJson(JSON.parse(text)), pseudonymKey));
  } catch {
    redacted = redactText(text);
  }
  return truncateUtf8(redacted, MAX_CAPTURED_BODY_BYTES);
}

function bounded(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.slice(0, 128), truncateUtf8(v, MAX_CAPTURED_FIELD_CHARS)]));
}

export interface Capture {
  /** shouldCapture with the configured uncaptured prefixes. */
  wanted: (path: unknown, method: unknown) => boolean;
  /** A body as it is captured (capturedText, with this instance's pseudonym key). */
  body: (text: string) => string;
  /** The exchange into the inspector's ring; never throws. */
  record: (exchange: CapturedExchange, result: unknown, status: number, durationMs: number) => Promise<void>;
}

export function createCapture(captures: CaptureStore, settings: Pick<Config['inspector'], 'uncapturedPrefixes' | 'pseudonymKey'>): Capture {
  const pseudonymKey = settings.pseudonymKey ?? randomBytes(32);
  return {
    wanted: (path, method) => shouldCapture(path, method, settings.uncapturedPrefixes),
    body: (text) => capturedText(text, pseudonymKey),
    record: async (exchange, result, status, durationMs) => {
      const { request, caller, failure } = exchange;
      try {
        const input: CaptureInput = {
          at: new Date().toISOString(),
          requestId: exchange.requestId,
          method: exchange.method,
          path: truncateUtf8(redactText(exchange.path), MAX_CAPTURED_FIELD_CHARS),
          query: bounded(redactQuery(request.query)),
          status,
          durationMs,
          // An allow-list, redacted still (a user agent is free text): no names, object ids, addresses or cookies.
          requestHeaders: bounded(Object.fromEntries(Object.entries(capturedHeaders(request.headers)).map(([k, v]) => [k, redactText(v)]))),
        };
        if (caller) input.caller = callerPseudonym(pseudonymKey, caller);
        if (failure) input.errorCode = failure.code;
        if (exchange.requestText !== undefined) input.requestBody = capturedText(exchange.requestText, pseudonymKey);
        if (result instanceof HttpResponse && !failure) input.responseBody = '[HttpResponse: body not captured]';
        else if (exchange.capturedResponse !== undefined) input.responseBody = exchange.capturedResponse;
        await captures.record(input);
      } catch (error) {
        exchange.log.warn(`inspector: capture failed: ${describeErrorChain(error)}`);
      }
    },
  };
}
