import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EXIT, UserError } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is larger than this process may write (ulimit -f)',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'the folder does not exist',
};

/**
 * Writes a file so that readers see either the old content or the complete new one, never a cut file: the bytes go to
 * a temporary file in the same folder (same file system, so the rename is atomic), are flushed to disk, and only then
 * replace the target. When writing fails (disk full, file size limit, read-only folder) the temporary file is removed
 * and the old file is left as it was. A target that is not a regular file (/dev/stdout, a pipe) is written directly.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  if (isSpecialFile(file)) return writeFileSync(file, content);
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o644);
    for (let offset = 0; offset < bytes.byteLength;) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch (e) {
    if (fd !== undefined) closeQuietly(fd);
    rmSync(temp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new UserError(`${file}: could not be written, ${REASONS[code] ?? (e as Error).message} (${code}); the file was left as it was`, EXIT.failed);
  }
  syncFolder(dir);
}

/** Makes the rename itself durable; some platforms (Windows) cannot open a folder, and lose nothing by skipping. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // folder fsync unsupported here
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isSpecialFile(file: string): boolean {
  try {
    return !statSync(file).isFile();
  } catch {
    return false;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the write already failed; that error is the one to report
  }
}
