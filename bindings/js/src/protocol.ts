// protocol.ts — the JSON the gateway (and PostgREST) speaks, as types.
// docs/protocol.md is the contract; test/protocol.test.mjs reads its tables
// and fails when a reason or an error code here differs from it.

/** The protocol this SDK speaks (sent in every push and pull). 3 adds the
 * push envelope's optional `outbox` report, which this SDK does not send, and
 * its `restore_epoch`, which it does. */
export const PROTOCOL_VERSION = 3;

/** Every `reason` a refused event can carry (docs/protocol.md, "Rejection reasons"). */
export const REJECTION_REASONS = [
  "invalid_event",
  "invalid_id",
  "unknown_entity",
  "unknown_column",
  "server_owned_column",
  "invalid_type",
  "value_too_long",
  "invalid_value",
  "not_found",
  "deleted",
  "forbidden",
  "invalid_transition",
  "parent_not_found",
  "parent_deleted",
  "duplicate_code",
  "duplicate_id",
  "foreign_key_violation",
  "constraint_violation",
  "idempotency_key_reused",
  "group_failed",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Envelope errors: nothing applied (docs/protocol.md, "Envelope errors"). SQLSTATE → HTTP status. */
export const ENVELOPE_ERRORS = {
  "22023": 400, // malformed envelope, bad cursor or limit
  "0A000": 400, // client protocol no longer served: update the app
  PT413: 413, // more events than shopsync.max_batch
  PT409: 409, // the same idempotency key is still being applied
  "42501": 403, // no shop claim, not a member, or a viewer pushing
} as const;
export type EnvelopeErrorCode = keyof typeof ENVELOPE_ERRORS;

/** A pull from a cursor the log no longer holds: rebuild from snapshots. */
export const CURSOR_EXPIRED = { code: "PT410", status: 410, message: "cursor_expired" } as const;

export type Op = "create" | "update" | "delete";
export type Role = "owner" | "staff" | "viewer";
export type Uuid = string;

/** A synced row: its columns plus the server-owned ones. */
export interface Row {
  id: Uuid;
  shop_id: Uuid;
  version: number;
  updated_at: string;
  deleted_at: string | null;
  [column: string]: unknown;
}

export interface PushEvent {
  idempotency_key: Uuid;
  entity: string;
  entity_id: Uuid;
  op: Op;
  base_version: number;
  payload?: Record<string, unknown>;
  override?: boolean;
  group_id?: Uuid;
}

/** A device's account of its queue, for the owners' sync dashboard (protocol 3). */
export interface OutboxReport {
  pending?: number;
  failed?: number;
  oldest_age_ms?: number;
  retry_depth?: number;
}

export interface PushEnvelope {
  device_id: string;
  protocol?: number;
  /** The server epoch the events were made for; a server of another applies none of them. */
  restore_epoch?: string;
  outbox?: OutboxReport;
  events: PushEvent[];
}

export interface Accepted {
  idempotency_key: Uuid;
  entity: string;
  entity_id: Uuid;
  op: Op;
  version: number;
  replayed: boolean;
}

export interface Conflict {
  idempotency_key: Uuid;
  entity: string;
  entity_id: Uuid;
  server_version: number;
  server_record: Row;
  replayed: boolean;
}

export interface Rejected {
  idempotency_key: Uuid;
  entity: string;
  entity_id: Uuid;
  reason: RejectionReason;
  message: string;
  cause?: { idempotency_key: Uuid; reason: RejectionReason | "conflict" };
  replayed: boolean;
}

export interface PushResult {
  accepted: Accepted[];
  conflicts: Conflict[];
  rejected: Rejected[];
  server_seq: number;
  restore_epoch?: string;
}

export interface Change {
  seq: number;
  entity: string;
  entity_id: Uuid;
  op: Op;
  version: number;
  changed_at: string;
  payload: Row;
}

export interface PullPage {
  changes: Change[];
  cursor: number;
  has_more: boolean;
  restore_epoch?: string;
}

export interface SnapshotPage {
  entity: string;
  rows: Row[];
  next_after: Uuid | null;
  has_more: boolean;
  cursor: number;
  restore_epoch?: string;
}

export interface EntityRules {
  write_roles: Role[];
  delete_roles: Role[];
  status: { column: string; override_roles: Role[]; transitions: Record<string, string[]> } | null;
  parents: { entity: string; column: string }[];
}

export interface Health {
  version: string;
  server_time: string;
  shop_id: Uuid | null;
  user_id: Uuid | null;
  role: Role | null;
  latest_seq: number;
  entities: string[];
  protocol_version: number;
  min_client_protocol: number;
  rules: Record<string, EntityRules>;
  /** Columns the server computes, by entity (never sent back). */
  generated_columns?: Record<string, string[]>;
  /** New after every restore of the server (docs/protocol.md, "The restore epoch"). */
  restore_epoch?: string;
}

/** PostgREST's error body, which the gateway copies. */
export interface ErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

/** The gateway's sign-in answer (POST /auth/login and /auth/refresh). */
export interface AuthTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  user?: { id: Uuid; email: string };
  shop_id?: Uuid | null;
  shop_role?: Role | null;
}
