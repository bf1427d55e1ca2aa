/**
 * MI-Face (Fredrikson et al. CCS 2015) seconds per face on the AT&T faces models — softmax, MLP
 * and the DAE network — beside the paper's (1.4 s, 1,298.7 s, 692.5 s on their machine) and the
 * goals for this 2-core machine (≤ 0.5 s, ≤ 30 s, ≤ 30 s). All 40 people are inverted in one
 * batch; seconds per face is the batch time over 40. Also identification by an independent
 * classifier on held-out faces and mean SSIM. The grids go to .threatlab/figures.
 *
 *   npx tsx bench/inversion.bench.ts [--json]
 */

import { faceInversionRows } from '../src/reproduce/inversion-faces.ts';

const json = process.argv.includes('--json');
const goals: Record<string, number> = { softmax: 0.5, MLP: 30, DAE: 30 };
const { rows, files } = await faceInversionRows({ quick: false, seed: 42, outDir: '.threatlab/figures', blackBox: false });
const table = rows.map((row) => {
  const goal = Object.entries(goals).find(([key]) => row.name.includes(key))?.[1];
  return { row: row.name, paperSecondsPerFace: row.paper.secondsPerFace, secondsPerFace: row.ours?.secondsPerFace, goal, identified: row.ours?.identifiedNearest, meanSsim: row.ours?.meanSsim, meanConfidence: row.ours?.meanConfidence };
});
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'inversion', rows: table, files })}\n`);
else console.table(table);
