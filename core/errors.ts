// The one input-error type. Anything a caller did wrong (bad query, unknown
// id, wrong token, too large, too fast…) is an InputError: it carries the HTTP
// status, a stable machine code and a message that names the problem (Korean
// where a person reads it). HTTP maps it once (server/), the CLI once (cli/),
// the websocket once (an error frame with the same code). Anything else that
// is thrown is a bug or an outage and becomes a 500 / exit 1 / `internal`.

export type InputStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 422 | 429 | 503;

export interface InputErrorOptions {
  /** HTTP status (default 400) */
  status?: InputStatus;
  /** extra fields for the JSON body (e.g. `retry_after_ms`, `field`) */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class InputError extends Error {
  readonly status: InputStatus;
  readonly details: Record<string, unknown> | undefined;

  /**
   * @param code stable snake_case code clients can branch on (`bad_query`, `forbidden`, `not_found`, `rate_limited`…)
   * @param message says what was wrong, with the offending value where it helps
   */
  constructor(
    readonly code: string,
    message: string,
    options: InputErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InputError';
    this.status = options.status ?? 400;
    this.details = options.details;
  }

  /** The JSON body every HTTP route answers with: `{"error": message, "code", …details}`. */
  toJSON(): Record<string, unknown> {
    return { error: this.message, code: this.code, ...(this.details ?? {}) };
  }
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}
