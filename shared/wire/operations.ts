// The answers of the routes around the monitor: the audit trail, schedules, /api/me, the inspector, health.

export type AuditOutcome = 'accepted' | 'refused' | 'failed' | 'skipped' | 'missed';

export interface AuditActor {
  /** The principal's object id (oid claim), never its display name; "development" for the local principal. */
  objectId: string;
  name: string;
  /** Who acted: a person, a schedule, or the idle auto-stop. */
  via: 'user' | 'schedule' | 'autoStop';
  scheduleId?: string;
}

export interface AuditEntry {
  at: string;
  actor: AuditActor;
  /** start | stop | delete, or schedule.create | schedule.update | schedule.pause | schedule.resume | schedule.delete. */
  action: string;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  outcome: AuditOutcome;
  /** The HTTP status the action ended with (202 accepted, 409 refused, …; 0 when nothing was sent). */
  status: number;
  reason?: string;
  /** The server's own id of the request (or of the scheduled run) that did it. */
  requestId: string;
  /** The x-request-id the caller sent, if any: the caller's, so it is kept apart from the server's. */
  clientRequestId?: string;
  armOperationId?: string;
}

/** GET /api/audit. */
export interface AuditPage {
  data: AuditEntry[];
  /** Pass it back as `continuationToken` for the next (older) page; absent on the last page. */
  continuationToken?: string;
}

export type ScheduleAction = 'start' | 'stop';
export const SCHEDULE_ACTIONS: readonly ScheduleAction[] = ['start', 'stop'];

export interface Schedule {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  action: ScheduleAction;
  /** NCRONTAB, six fields. */
  cron: string;
  /** IANA time zone the cron is read in. */
  timeZone: string;
  enabled: boolean;
  /** Who made it, by name only (the stored object id is never answered). */
  createdBy: { name: string };
  createdAt: string;
  /** When the schedule last changed: runs due before that are not owed. */
  updatedAt: string;
  /** The scheduled time of the last run claimed (whatever came of it), or null. */
  lastRun: string | null;
  /** What came of it: accepted, refused, failed, skipped or missed. */
  lastOutcome?: string;
  /** Stops are skipped until then ("keep running until …"). */
  keepRunningUntil?: string;
}

/** A schedule as the routes answer it: with its next run (null while disabled). */
export interface ScheduleAnswer extends Schedule {
  nextRun: string | null;
}

/** GET /api/schedules; POST and PUT answer one ScheduleAnswer. */
export interface ScheduleList {
  data: ScheduleAnswer[];
  /** Pass it back as `continuationToken` for the next page; absent on the last page. */
  continuationToken?: string;
}

/** What a caller may do: `read` the monitor, `operate` (start, stop), `admin` (delete). */
export type Permission = 'read' | 'operate' | 'admin';
export const PERMISSIONS: readonly Permission[] = ['read', 'operate', 'admin'];

/** GET /api/me. */
export interface Me {
  name: string;
  provider: string;
  roles: string[];
  permissions: Permission[];
  scopes: readonly { subscriptionId: string; resourceGroup: string }[];
}

/** One captured call. Everything in it is already redacted and truncated by the pipeline. */
export interface Capture {
  /** Sorts newest first. */
  id: string;
  at: string;
  requestId: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  caller?: string;
  errorCode?: string;
  requestHeaders: Record<string, string>;
  requestBody?: string;
  responseBody?: string;
}

/** Requests the pipeline refused since this instance started, by status. */
export interface RejectedCount {
  total: number;
  byStatus: Record<string, number>;
  since: string;
}

/** A request this instance refused before any handler ran: enough to find an error's request id, nothing more. */
export interface RefusedRequest {
  at: string;
  requestId: string;
  method: string;
  /** Without the query. */
  path: string;
  status: number;
  /** The error envelope's code (invalidParameter, forbidden, scopeNotAllowed, …). */
  code: string;
}

/** GET /api/inspector. */
export interface InspectorPage {
  items: Capture[];
  rejected: RejectedCount;
  /** This instance's last refused requests (at most 100), newest first. */
  refused: RefusedRequest[];
}

/** GET /api/health: each probe's verdict. */
export type HealthReport = Record<string, 'ok' | 'unreachable'>;

/** The body of every failure the API reports. */
export interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string; field?: string };
}
