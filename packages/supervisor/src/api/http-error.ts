/** An error answered with its own HTTP status and a stable code (a bad request, not a failure of the daemon). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
