import { EXIT, UserError } from './errors.js';

/** What an operating-system error code means to someone running the tool. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EIO: 'input/output error',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
};

/** A full or failing disk stops work that was running (exit 1); a path that cannot be used is bad input (exit 2). */
const FAILED_WORK = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO', 'EMFILE']);

export function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
}

/**
 * A one-line error for a failed file operation: the file, what went wrong and the errno code, e.g.
 * "cannot write reports/x/scores.csv: no space left on device (ENOSPC)". `file` names the file when the
 * error itself does not (a write on a full disk carries no path).
 */
export function fileError(e: unknown, action: 'read' | 'write' = 'write', file?: string): UserError {
  if (!isSystemError(e)) return new UserError(`cannot ${action} ${file ?? 'a file'}: ${(e as Error)?.message ?? String(e)}`, EXIT.failed);
  const path = file ?? (e as { dest?: string }).dest ?? e.path;
  const reason = REASONS[e.code] ?? e.message.replace(/^E[A-Z]+: /, '').split(',')[0];
  const verb = e.syscall === 'read' || e.syscall === 'scandir' || e.syscall === 'stat' ? 'read' : action;
  const hint = e.code === 'ENOSPC' || e.code === 'EDQUOT' ? '; free some space and run again' : '';
  return new UserError(`cannot ${verb} ${path ?? '(output)'}: ${reason} (${e.code})${hint}`, FAILED_WORK.has(e.code) ? EXIT.failed : EXIT.badInput);
}
