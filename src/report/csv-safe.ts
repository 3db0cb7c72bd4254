const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Neutralizes text that a spreadsheet would run as a formula (starting with = + - @), by prefixing a quote.
 * Plain numbers such as "-1" are left alone.
 */
export function spreadsheetSafe(text: string): string {
  return formulaStart.test(text) && !plainNumber.test(text) ? `'${text}` : text;
}

/** Undoes spreadsheetSafe when reading a CSV that lora-eval wrote. */
export function fromSpreadsheetSafe(text: string): string {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}
