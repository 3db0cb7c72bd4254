import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { fileError, isSystemError } from '../file-error.js';

/**
 * Writes a file so that readers see either the old content or the complete new one, never a cut file: the bytes go to
 * a temporary file in the same folder (same file system, so the rename is atomic), are flushed to disk, and only then
 * replace the target. When writing fails (disk full, file size limit, read-only folder) the temporary file is removed
 * and the old file is left as it was; the message is the one every file error gets (src/file-error.ts). A target that is not a regular file (/dev/stdout, a pipe) is written directly.
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
    if (!isSystemError(e)) throw e;
    const failure = fileError(e, 'write', file);
    throw new UserError(`${failure.message}; the file was left as it was`, failure.exitCode);
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
