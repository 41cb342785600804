import { type DecodedText, mappedDecodedText } from './decodedText';

/**
 * JSON string escapes (`\"`, `\/`, `\n`, `\uXXXX`), for secrets printed inside serialised JSON:
 * a service-account key's `"private_key": "-----BEGIN PRIVATE KEY-----\nMIIE..."`, a webhook URL
 * written `https:\/\/hooks.slack.com\/...`. `\uXXXX` becomes its UTF-8 bytes, one character each.
 */
const escapeAhead = /\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})/;

export function hasJsonEscapes(text: string): boolean {
  return escapeAhead.test(text);
}

const simpleEscapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function unescapeJsonString(text: string): DecodedText | undefined {
  let output = '';
  const map: number[] = [];
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) {
      const next = text[i + 1];
      const simple = simpleEscapes[next];
      if (simple !== undefined) {
        output += simple;
        map.push(i);
        i += 1;
        changed = true;
        continue;
      }
      if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
        const utf8 = Buffer.from(String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)), 'utf8');
        for (const byte of utf8) {
          output += String.fromCharCode(byte);
          map.push(i);
        }
        i += 5;
        changed = true;
        continue;
      }
    }
    output += text[i];
    map.push(i);
  }
  return changed ? mappedDecodedText(output, 'json', map) : undefined;
}
