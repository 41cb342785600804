/** Messages between `DownloadThread` (the event loop) and `downloadWorker` (its thread). */

/** Content crosses in blocks of this size (the last one of a download may be shorter): a message per MiB, not per socket read. */
export const blockBytes = 1024 * 1024;
/** Blocks a download may have sent and not yet been given credit for: its memory bound on this side. */
export const blocksInFlight = 4;

export interface DownloadOrder {
  url: string;
  headers: Record<string, string>;
  /** Redirects followed; the credential is dropped when one leaves the origin, and https never goes to http. */
  maxRedirects: number;
  socketTimeoutMs: number;
}

export type ToDownloadThread =
  | { open: number; order: DownloadOrder }
  /** The reader is done with a block: it comes back for reuse, and the download may send one more. */
  | { credit: number; block: ArrayBuffer }
  | { abort: number };

export type FromDownloadThread =
  | { id: number; response: { statusCode: number; headers: Record<string, string | string[] | undefined> } }
  /** Transferred: the event loop owns it from here. */
  | { id: number; block: ArrayBuffer; length: number }
  | { id: number; end: true }
  | { id: number; failed: { message: string; code?: string } };
