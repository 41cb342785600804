/**
 * Text from outside (delivery ids, reasons, names, paths, messages of other services) made safe to
 * print: in a text log line, a newline would forge a line of its own; on an operator's terminal, an
 * escape sequence could repaint the screen, retitle the window or hide what follows. Every control
 * character (C0, DEL, C1), the Unicode line and paragraph separators and the bidirectional controls
 * (which reorder what a reader sees) become visible escapes: `\x1b`, `\u202e`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this module's job.
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** What `JSON.stringify` leaves raw; C0 controls it escapes itself, and outside strings they are only its own indentation. */
const unsafeInJson = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function escapeControlCharacters(text: string): string {
  return text.replace(unsafe, escaped);
}

/**
 * JSON text with what `JSON.stringify` leaves raw (DEL, C1 controls, the separators, bidi controls)
 * written as `\uXXXX` escapes: the same JSON value, but safe to read in a terminal or a log viewer.
 */
export function escapeJsonControlCharacters(json: string): string {
  return json.replace(unsafeInJson, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A template tag for terminal output: `printable\`${m.messageId}  ${m.reason}\n\`` escapes what is
 * interpolated and leaves the template's own text (its newlines, padding) alone.
 */
export function printable(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings[0];
  values.forEach((value, index) => {
    text += escapeControlCharacters(String(value)) + strings[index + 1];
  });
  return text;
}
