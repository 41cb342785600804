/** A delivery refused at the door: the HTTP status and one line saying what to fix. */
export class WebhookRejection extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413 | 415 | 422 | 503,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'WebhookRejection';
  }
}
