/** Reading files with errors that name the file and say what to do. */

import { readFileSync, statSync } from 'node:fs';
import { ThreatlabError } from '../../errors.ts';

/** The bytes of `path`; `file-not-found` or `empty-file` errors that name it. */
export function readNonEmptyFile(path: string, what = 'file'): Buffer {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new ThreatlabError('file-not-found', `${what} ${path} is not a regular file; give the path of a file`);
    size = stats.size;
  } catch (error) {
    if (error instanceof ThreatlabError) throw error;
    throw new ThreatlabError('file-not-found', `${what} ${path} does not exist; check the path`, { cause: error });
  }
  if (size === 0) throw new ThreatlabError('empty-file', `${what} ${path} is empty; give a file with data`);
  return readFileSync(path);
}
