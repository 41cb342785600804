/**
 * The messages between `readZipEntriesOffThread` (the event loop) and `zipEntriesWorker` (the
 * thread that parses and inflates). Compressed bytes go one way with a byte window; entries come
 * back in batches: one transferred buffer of content per batch, and the events that slice it.
 */
/**
 * An entry screen the thread loads by itself: a module (a path `require` resolves on the thread)
 * exporting `createEntryScreen(settings)`, which returns why an entry is left out by its path, or
 * undefined to read it. The screen is code the caller owns; the zip reader knows nothing of why.
 */
export interface EntryScreenModule {
  module: string;
  /** Plain data (it crosses to the thread by structured clone). */
  settings: unknown;
}

export type CreateEntryScreen = (settings: never) => (path: string) => string | undefined;

/** How the thread reads one archive: sent with `start`, before the archive's bytes. */
export interface ZipThreadSettings {
  /** Screen entries by path on the thread: those left out come as `screenedOut`, never inflated for the event loop. */
  screen?: EntryScreenModule;
}

export type ZipThreadEvent =
  | { t: 'entry'; path: string; isDirectory: boolean; unreadable: boolean; screenedOut?: string; size?: number }
  /** Content of the current entry: bytes [start, end) of the batch's buffer. */
  | { t: 'data'; start: number; end: number }
  /** The current entry has no more content. */
  | { t: 'end' }
  /** The archive was read to its end. */
  | { t: 'done' }
  /** The archive cannot be read: the reader's own error, by kind. */
  | { t: 'failed'; kind: 'permanent' | 'transient'; message: string };

export type FromZipThread =
  | { batch: ArrayBuffer; events: ZipThreadEvent[] }
  /** How many compressed bytes the reader has taken: the event loop may send that many more. */
  | { consumed: number };

export type ToZipThread =
  /** A new archive follows: the thread has read the previous one (if any) to its end. */
  | { start: ZipThreadSettings }
  | { input: Uint8Array }
  | { inputEnd: true }
  /** The download failed: the reader fails the way it would on a cut stream. */
  | { inputFailed: { message: string; code?: string } }
  /** One batch is consumed (the reader asked for content past it): its buffer comes back, and the thread may have one more in flight. */
  | { ack: ArrayBuffer };

/** Content bytes per batch; the thread keeps at most `batchesInFlight` batches unconsumed. */
export const batchBytes = 256 * 1024;
export const batchesInFlight = 4;
/** Events per batch at most, so a run of empty files still arrives in steady pieces. */
export const eventsPerBatch = 512;
/**
 * Compressed bytes sent to the thread and not yet taken by it. The event loop relays them between
 * scans, so the thread needs a reserve to keep inflating while a large file is scanned (bench:repos:
 * 78–81 MB/s with 8 MiB against 72–78 with 1 MiB).
 */
export const inputWindowBytes = 8 * 1024 * 1024;
/** Compressed bytes gathered before they are sent, unless the thread has nothing left to read. */
export const relayPieceBytes = 64 * 1024;
