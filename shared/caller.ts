// Who is calling: what the request pipeline's authentication found, and what services record (the audit's actor).
import type { Permission } from './wire/index.js';

export interface Caller {
  name: string;
  /** Identity provider (aad, …) or "development". */
  provider: string;
  userId?: string;
  /** The caller's role claims as sent. */
  roles: string[];
  /** What those roles allow: admin ⊇ operate ⊇ read. */
  permissions: Permission[];
}
