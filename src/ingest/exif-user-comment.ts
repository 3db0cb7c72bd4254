/**
 * EXIF UserComment, where A1111 stores its infotext in JPEG and WebP files.
 * The field starts with an 8-byte character code: "ASCII\0\0\0", "UNICODE\0" (UTF-16, in the
 * byte order of the EXIF block unless a BOM says otherwise; A1111 writes big-endian),
 * "JIS\0\0\0\0\0" (Shift_JIS, as piexif writes it) or eight NULs (undefined).
 */
import ExifReader from 'exifreader';

export type UserCommentCharset = 'ASCII' | 'UNICODE-BE' | 'UNICODE-LE' | 'JIS' | 'UNDEFINED' | 'NONE';

export interface DecodedUserComment {
  text: string;
  charset: UserCommentCharset;
}

const PREFIX_ASCII = 'ASCII\0\0\0';
const PREFIX_UNICODE = 'UNICODE\0';
const PREFIX_JIS = 'JIS\0\0\0\0\0';
const PREFIX_UNDEFINED = '\0\0\0\0\0\0\0\0';

function stripTrailingNuls(s: string): string {
  return s.replace(/\0+$/, '');
}

/** Chooses the UTF-16 byte order: BOM first, then where the zero bytes of Latin text fall, then the EXIF byte order. */
function utf16Order(body: Uint8Array, exifBigEndian: boolean | undefined): { bigEndian: boolean; bom: boolean } {
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return { bigEndian: true, bom: true };
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return { bigEndian: false, bom: true };
  let zerosEven = 0;
  let zerosOdd = 0;
  for (let i = 0; i + 1 < body.length; i += 2) {
    if (body[i] === 0 && body[i + 1] !== 0) zerosEven++;
    if (body[i + 1] === 0 && body[i] !== 0) zerosOdd++;
  }
  if (zerosEven !== zerosOdd) return { bigEndian: zerosEven > zerosOdd, bom: false };
  return { bigEndian: exifBigEndian ?? true, bom: false };
}

/** Decodes the raw bytes of an EXIF UserComment (character code included). */
export function decodeUserComment(bytes: Uint8Array, exifBigEndian?: boolean): DecodedUserComment {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = buf.toString('latin1', 0, Math.min(8, buf.length));
  const body = buf.subarray(8);
  if (prefix === PREFIX_UNICODE) {
    const { bigEndian, bom } = utf16Order(body, exifBigEndian);
    let payload = Buffer.from(body.subarray(bom ? 2 : 0));
    if (payload.length % 2 === 1) {
      // An odd count: a writer stripped trailing NULs, taking the zero high byte of a little-endian last
      // character with them, or added a one-byte terminator. Restoring the zero keeps that character.
      const truncatedLe = !bigEndian && payload[payload.length - 1] !== 0;
      payload = truncatedLe ? Buffer.concat([payload, Buffer.alloc(1)]) : payload.subarray(0, payload.length - 1);
    }
    if (bigEndian) payload.swap16();
    return { text: stripTrailingNuls(payload.toString('utf16le')), charset: bigEndian ? 'UNICODE-BE' : 'UNICODE-LE' };
  }
  if (prefix === PREFIX_ASCII) return { text: stripTrailingNuls(body.toString('utf8')), charset: 'ASCII' };
  if (prefix === PREFIX_JIS) return { text: stripTrailingNuls(new TextDecoder('shift_jis').decode(body)), charset: 'JIS' };
  if (prefix === PREFIX_UNDEFINED) return { text: stripTrailingNuls(body.toString('utf8')).trim(), charset: 'UNDEFINED' };
  return { text: stripTrailingNuls(buf.toString('utf8')), charset: 'NONE' };
}

/** Byte order of the first TIFF header in the file, used when UTF-16 text carries no other hint. */
function tiffByteOrder(data: Buffer): boolean | undefined {
  const mm = data.indexOf(Buffer.from([0x4d, 0x4d, 0x00, 0x2a]));
  const ii = data.indexOf(Buffer.from([0x49, 0x49, 0x2a, 0x00]));
  if (mm < 0 && ii < 0) return undefined;
  if (mm < 0) return false;
  if (ii < 0) return true;
  return mm < ii;
}

export interface ExifComment extends DecodedUserComment {
  /** Other EXIF text fields that sometimes hold generation data. */
  imageDescription?: string;
}

/** Reads EXIF UserComment (and ImageDescription) from a JPEG, WebP or PNG eXIf block. */
export function readExifComment(data: Buffer): ExifComment | undefined {
  let tags: ExifReader.Tags;
  try {
    tags = ExifReader.load(data, { includeUnknown: false });
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'MetadataMissingError') return undefined;
    throw new Error(`unreadable EXIF: ${(e as Error).message}`);
  }
  const userComment = tags.UserComment as { value?: unknown } | undefined;
  const description = tags.ImageDescription as { description?: string } | undefined;
  const raw = userComment?.value;
  if (!Array.isArray(raw) || raw.length === 0) {
    return description?.description ? { text: '', charset: 'NONE', imageDescription: description.description } : undefined;
  }
  const decoded = decodeUserComment(Uint8Array.from(raw as number[]), tiffByteOrder(data));
  return { ...decoded, imageDescription: description?.description };
}
