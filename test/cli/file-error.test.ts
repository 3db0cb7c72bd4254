import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/errors.js';
import { EXIT } from '../../src/errors.js';
import { fileError } from '../../src/file-error.js';

/** An error as Node's fs module throws it. */
function errno(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: failed, ${syscall}${path ? ` '${path}'` : ''}`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  if (path) e.path = path;
  return e;
}

describe('file system errors as one line', () => {
  const cases: [string, string, string, number][] = [
    ['EACCES', 'open', 'cannot write /out/scores.csv: permission denied (EACCES)', EXIT.badInput],
    ['EPERM', 'mkdir', 'cannot write /out/scores.csv: operation not permitted (EPERM)', EXIT.badInput],
    ['EROFS', 'open', 'cannot write /out/scores.csv: read-only file system (EROFS)', EXIT.badInput],
    ['ENOTDIR', 'mkdir', 'cannot write /out/scores.csv: a part of the path is not a folder (ENOTDIR)', EXIT.badInput],
    ['EISDIR', 'open', 'cannot write /out/scores.csv: is a folder (EISDIR)', EXIT.badInput],
    ['ENOSPC', 'write', 'cannot write /out/scores.csv: no space left on device (ENOSPC); free some space and run again', EXIT.failed],
    ['EDQUOT', 'write', 'cannot write /out/scores.csv: disk quota exceeded (EDQUOT); free some space and run again', EXIT.failed],
    ['EIO', 'write', 'cannot write /out/scores.csv: input/output error (EIO)', EXIT.failed],
    ['ENOENT', 'scandir', 'cannot read /out/scores.csv: no such file or folder (ENOENT)', EXIT.badInput],
  ];
  it.each(cases)('%s during %s', (code, syscall, message, exitCode) => {
    // With the path on the error (open, mkdir) and without it (a write on a full disk), named by the caller.
    expect(describeError(errno(code, syscall, '/out/scores.csv'))).toEqual({ message, exitCode });
    const named = fileError(errno(code, syscall), 'write', '/out/scores.csv');
    expect([named.message, named.exitCode]).toEqual([message, exitCode]);
  });

  it('names what it can when neither the error nor the caller knows the file', () => {
    expect(describeError(errno('ENOSPC', 'write'))?.message).toBe('cannot write (output): no space left on device (ENOSPC); free some space and run again');
  });

  it.runIf(existsSync('/dev/full'))('describes a real full-disk write', () => {
    let thrown: unknown;
    try {
      writeFileSync('/dev/full', 'x');
    } catch (e) {
      thrown = e;
    }
    expect(fileError(thrown, 'write', '/dev/full').message).toBe('cannot write /dev/full: no space left on device (ENOSPC); free some space and run again');
  });

  it('leaves errors that are not about files to the stack trace', () => {
    expect(describeError(new TypeError('x is undefined'))).toBeUndefined();
  });
});
