/**
 * A kernel's WebAssembly text as wabt assembles it: its `.wat` file with each line
 * `;; #include NAME` replaced by the file NAME beside it (a `.wati` part shared by modules, such
 * as `exp.wati`, Math.exp's bits), so that one function is written once and every module that
 * calls it has its own copy.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const INCLUDE = /^\s*;; #include (\S+)\s*$/;

/** The text of `file` (a path), its includes read from its folder and put in place. */
export function watSource(file: string): string {
  const folder = join(file, '..');
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => {
      const include = INCLUDE.exec(line);
      return include ? readFileSync(join(folder, include[1]), 'utf8').replace(/\n$/, '') : line;
    })
    .join('\n');
}
