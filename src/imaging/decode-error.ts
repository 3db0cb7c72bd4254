// Kept apart from the decoder so that code that only recognises the error (the CLI's error printer) does not load sharp.
export type ImageDecodeErrorCode = 'not-found' | 'unreadable' | 'not-an-image' | 'corrupt' | 'too-large' | 'unsupported-format';

export class ImageDecodeError extends Error {
  readonly path: string;
  readonly reason: string;
  readonly code: ImageDecodeErrorCode;

  constructor(path: string, code: ImageDecodeErrorCode, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'ImageDecodeError';
    this.path = path;
    this.reason = reason;
    this.code = code;
  }
}
