// A small HTTP proxy in front of the run's Azurite that answers some Table Storage calls with a fault: a 500 in
// Table Storage's own error shape, a dropped connection, or Azurite's own answer held back (the call is applied, the
// client may give up waiting first). The app reaches Azurite through it, with the real SDK.
// Which calls fail is the test's choice: a rule over the request (method, path), or a deterministic fraction.
import type { ServerResponse } from 'node:http';
import { relay, startTableProxy, type TableProxy } from '../../dev/tableProxy.js';

export type TableFault = 'status500' | 'drop' | { delayReplyMs: number };

/** Decides the fault of one call (undefined: pass it to Azurite). */
export type FaultRule = (call: { method: string; path: string; seq: number }) => TableFault | undefined;

export interface TableFaultProxy extends TableProxy {
  /** Calls seen, faults answered. */
  readonly counts: { calls: number; faults: number };
  /** Replaces the rule; `undefined` stops every fault. */
  setRule(rule: FaultRule | undefined): void;
}

/** Every n-th call (by arrival) gets `fault`: a deterministic fraction 1/n. */
export function everyNth(n: number, fault: TableFault | ((seq: number) => TableFault)): FaultRule {
  return ({ seq }) => (seq % n === 0 ? (typeof fault === 'function' ? fault(seq) : fault) : undefined);
}

/**
 * The Table Storage error body Azure sends with a 500 (JSON, odata minimal metadata), so the SDK parses it as it
 * would Azure's.
 */
function answer500(res: ServerResponse): void {
  const body = JSON.stringify({
    'odata.error': { code: 'InternalError', message: { lang: 'en-US', value: 'Server encountered an internal error. Please try again after some time.' } },
  });
  res.writeHead(500, { 'content-type': 'application/json;odata=minimalmetadata;streaming=true;charset=utf-8', 'x-ms-error-code': 'InternalError' });
  res.end(body);
}

export async function startTableFaultProxy(connectionString: string): Promise<TableFaultProxy> {
  let rule: FaultRule | undefined;
  const counts = { calls: 0, faults: 0 };
  const proxy = await startTableProxy(connectionString, (req, res, forward) => {
    counts.calls += 1;
    const fault = rule?.({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, seq: counts.calls });
    const delayMs = typeof fault === 'object' ? fault.delayReplyMs : 0;
    if (fault && typeof fault !== 'object') {
      counts.faults += 1;
      // Read the request first, so the client sees the fault and not a half-sent body.
      req.resume();
      req.on('end', () => (fault === 'drop' ? req.socket.destroy() : answer500(res)));
      return;
    }
    forward((answer) => {
      const reply = () => {
        if (res.destroyed) return answer.resume(); // the client gave up waiting
        relay(res, answer);
      };
      if (delayMs > 0) {
        counts.faults += 1;
        setTimeout(reply, delayMs);
      } else reply();
    });
  });
  return {
    ...proxy,
    counts,
    setRule(next) {
      rule = next;
    },
  };
}
