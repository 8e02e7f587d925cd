// The manifest as written (one image a line) reads back as the same manifest, with and without images.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest, writeManifest, type ProjectManifest } from './manifest';

const manifest: ProjectManifest = {
  owner: 'run-1',
  layout: 'kitti',
  datasetRoot: '/data/orchard',
  images: [
    { name: 'a', file: '/data/orchard/images/a.png', width: 640, height: 360, split: 'pool' },
    {
      name: 'b "quoted"',
      file: '/data/orchard/images/b "quoted".png',
      width: 20,
      height: 10,
      split: 'validation',
      labels: '/data/orchard/labels/b.txt',
      boxes: 3,
    },
  ],
  problems: ['x.png: unreadable image: not a PNG or JPEG file'],
};

test('one image a line, read back field for field', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-manifest-')), 'manifest.json');
  await writeManifest(file, manifest);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  expect(lines.filter((l) => l.startsWith('    {"name":'))).toHaveLength(2);
  expect(await readManifest(file)).toEqual(manifest);
  await writeManifest(file, { ...manifest, images: [] });
  expect(await readManifest(file)).toEqual({ ...manifest, images: [] });
});

test('a manifest of several pieces (10,000 images each) reads back whole', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-manifest-')), 'manifest.json');
  const images = Array.from({ length: 20_001 }, (_, i) => ({
    name: `n${i}`,
    file: `/d/n${i}.png`,
    width: 2,
    height: 3,
    split: 'pool' as const,
  }));
  await writeManifest(file, { ...manifest, images });
  expect((await readManifest(file)).images).toEqual(images);
});
