// The pool of the scale benches: an images-only dataset of N hard links to small PNGs, made once per size
// in the work folder and kept for the next run (a million links take a minute or two to make).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

export const poolImageName = (i: number) => `img${String(i).padStart(7, '0')}`;

/** `<dir>/dataset-<n>`, with `images/` of n PNGs of 64x48 (made once; a `complete` file marks it done). */
export function poolDataset(dir: string, n: number): string {
  const root = path.join(dir, `dataset-${n}`);
  const images = path.join(root, 'images');
  const done = path.join(root, 'complete');
  if (fs.existsSync(done)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(images, { recursive: true });
  const png = new PNG({ width: 64, height: 48 });
  png.data.fill(120);
  const bytes = PNG.sync.write(png);
  // ext4 allows 65,000 links to one file: a fresh copy every 60,000 images
  const source = (i: number) => path.join(root, `source-${Math.floor(i / 60_000)}.png`);
  for (let i = 0; i < n; i++) {
    if (i % 60_000 === 0) fs.writeFileSync(source(i), bytes);
    fs.linkSync(source(i), path.join(images, `${poolImageName(i)}.png`));
  }
  fs.writeFileSync(done, '');
  return root;
}
