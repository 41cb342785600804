/**
 * A text derived from a line by undoing an encoding. `sourceIndex(i)` gives, for character i of the
 * decoded text, the index in the text it was decoded from, so findings keep their true column.
 */
export interface DecodedText {
  text: string;
  encoding: 'base64' | 'url' | 'json';
  sourceIndex(index: number): number;
}

export function mappedDecodedText(text: string, encoding: 'url' | 'json', map: number[]): DecodedText {
  return {
    text,
    encoding,
    sourceIndex: (index) => (index < map.length ? map[index] : map.length > 0 ? map[map.length - 1] + 1 : 0),
  };
}
