import { isUtf8 } from 'node:buffer';

/**
 * Telling binary files from text without reading them whole: first by name (images, archives,
 * compiled code, fonts, media), then by sniffing the first bytes the way git does (a NUL byte)
 * plus a share of bytes that are neither valid UTF-8 nor ordinary control characters. Files that
 * a path rule reports (a `.p12` bundle) are the engine's to judge: callers ask it first.
 */
export const sniffBytes = 8192;

/** More invalid bytes than this share of the sniffed head means binary; Latin-1 text stays well under it. */
const invalidShareLimit = 0.1;

const binaryExtensions = new Set([
  // images
  'png',
  'jpg',
  'jpeg',
  'gif',
  'bmp',
  'ico',
  'icns',
  'webp',
  'tif',
  'tiff',
  'psd',
  'heic',
  'avif',
  // archives and packages
  'zip',
  'gz',
  'tgz',
  'bz2',
  'xz',
  'zst',
  '7z',
  'rar',
  'tar',
  'jar',
  'war',
  'ear',
  'nupkg',
  'whl',
  'gem',
  'apk',
  'aab',
  'ipa',
  'deb',
  'rpm',
  'msi',
  'dmg',
  'iso',
  'vsix',
  // compiled code and objects
  'exe',
  'dll',
  'so',
  'dylib',
  'a',
  'lib',
  'o',
  'obj',
  'pdb',
  'class',
  'pyc',
  'pyo',
  'wasm',
  'node',
  'bin',
  // fonts
  'woff',
  'woff2',
  'ttf',
  'otf',
  'eot',
  // media
  'mp3',
  'mp4',
  'm4a',
  'wav',
  'ogg',
  'flac',
  'mov',
  'avi',
  'mkv',
  'webm',
  // documents and databases
  'pdf',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'ppt',
  'pptx',
  'sqlite',
  'sqlite3',
  'mdb',
]);

export function hasBinaryExtension(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 && binaryExtensions.has(name.slice(dot + 1).toLowerCase());
}

/**
 * True when the head of a file looks binary. `complete` says the head is the whole file; when it
 * is not, a multi-byte character cut at the end of the head is not held against it.
 */
export function looksBinary(head: Uint8Array, complete: boolean): boolean {
  if (head.length === 0) return false;
  if (head.includes(0)) return true;
  // The common case, checked natively: valid UTF-8 without NUL is text (as git judges it). Only other heads are looked at byte by byte.
  if (isUtf8(head)) return false;
  let invalid = 0;
  const end = head.length;
  for (let i = 0; i < end; ) {
    const byte = head[i];
    if (byte < 0x80) {
      // Control characters other than tab, newline, form feed, carriage return and escape are rare in text.
      if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) invalid++;
      i++;
      continue;
    }
    const length = byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0) {
      invalid++;
      i++;
      continue;
    }
    if (i + length > end) {
      if (!complete) break; // cut by the sniff window, not broken
      invalid += end - i;
      break;
    }
    let valid = true;
    for (let k = 1; k < length; k++) if ((head[i + k] & 0xc0) !== 0x80) valid = false;
    if (valid) i += length;
    else {
      invalid++;
      i++;
    }
  }
  return invalid / head.length > invalidShareLimit;
}
