import { isUtf8 } from 'node:buffer';

/** The 1-based line of the first bytes that are not UTF-8, or undefined when the whole text is UTF-8. */
export function firstNonUtf8Line(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  // A newline byte never occurs inside a multi-byte UTF-8 sequence, so the first line that fails holds the error.
  let start = 0;
  let line = 1;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    if (end < 0 || !isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
    line++;
  }
}

/** Why a text file is refused when it is not UTF-8: decoding it would turn its other characters into U+FFFD, silently merging names. */
export const NOT_UTF8 = 'not UTF-8 text (other encodings would be read as replacement characters, merging names that differ): save the file as UTF-8';
