// Maps the shop API's error bodies to one shape the pages can show.
// The API answers {"detail": "..."}, {"details": "..."} (some account
// endpoints), {"field": ["msg", ...]} (validation), {"detail": {"field": [...]}}
// (product forms) and, for an empty register, {"detial": "..."} (sic).

export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldErrors;
  readonly body: unknown;

  constructor(status: number, message: string, fieldErrors: FieldErrors = {}, body: unknown = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fieldErrors = fieldErrors;
    this.body = body;
  }

  /** The first message for a field, if the API sent one. */
  field(name: string): string | undefined {
    return this.fieldErrors[name]?.[0];
  }
}

function asMessages(v: unknown): string[] | null {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return null;
}

function collectFields(obj: Record<string, unknown>): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, v] of Object.entries(obj)) {
    const msgs = asMessages(v);
    if (msgs && msgs.length) out[k] = msgs;
  }
  return out;
}

const GENERIC: Record<number, string> = {
  0: 'The store could not be reached. Check your connection and try again.',
  401: 'Please log in.',
  403: 'You do not have permission to do that.',
  404: 'Not found.',
  413: 'The upload is too large.',
  429: 'Too many attempts. Please wait a moment and try again.',
  502: 'The store is temporarily unavailable. Please try again.',
  503: 'The store is temporarily unavailable. Please try again.',
};

function labelFor(field: string): string {
  if (field === 'non_field_errors') return '';
  return field.replace(/_/g, ' ') + ': ';
}

/** Builds an ApiError from a status and a parsed (or raw text) body. */
export function toApiError(status: number, body: unknown): ApiError {
  let message = '';
  let fields: FieldErrors = {};
  if (typeof body === 'string' && body.trim() && !body.trim().startsWith('<')) {
    message = body.trim();
  } else if (body && typeof body === 'object' && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    for (const key of ['detail', 'details', 'detial', 'message', 'error']) {
      const v = obj[key];
      if (typeof v === 'string') {
        message = v;
        break;
      }
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        fields = collectFields(v as Record<string, unknown>);
        break;
      }
    }
    if (!message && Object.keys(fields).length === 0) {
      fields = collectFields(obj);
    }
    if (!message) {
      const first = Object.entries(fields)[0];
      if (first) message = labelFor(first[0]) + first[1][0];
    }
  }
  if (!message) message = GENERIC[status] ?? `Request failed (HTTP ${status}).`;
  return new ApiError(status, message, fields, body);
}

/** A message for anything a page caught. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
