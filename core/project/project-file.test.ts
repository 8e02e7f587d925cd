import { labelledSet } from './labelled-set';
import { projectManifest } from './manifest';
import { parseProjectFile, ProjectFileError } from './project-file';
import { selectionFile } from './selection-file';

const manifest = {
  owner: 'run-1',
  layout: 'kitti',
  datasetRoot: '/data',
  images: [
    { name: 'a', file: '/data/images/a.png', width: 640, height: 360, labels: '/data/labels/a.txt', split: 'pool' },
  ],
  problems: [],
};

test('a project file is parsed with its schema; fields it does not know are kept', () => {
  const text = JSON.stringify({ ...manifest, addedLater: 7 });
  expect(parseProjectFile(projectManifest, text, '/p/manifest.json')).toEqual({ ...manifest, addedLater: 7 });
  const selection = {
    round: 2,
    method: 'UNCERTAINTY',
    score: 'uncertainty_entropy_mean',
    labelledBefore: 10,
    images: ['a'],
  };
  expect(parseProjectFile(selectionFile, JSON.stringify(selection), '/p/selection.json')).toEqual(selection);
});

test('a damaged or foreign file is refused with its name and the field that is wrong', () => {
  expect(() => parseProjectFile(projectManifest, '{"owner": ', '/p/manifest.json')).toThrow(
    /^\/p\/manifest\.json: not JSON \(/,
  );
  const badSplit = { ...manifest, images: [{ ...manifest.images[0], split: 'test' }] };
  expect(() => parseProjectFile(projectManifest, JSON.stringify(badSplit), '/p/manifest.json')).toThrow(
    /^\/p\/manifest\.json: images\.0\.split: /,
  );
  const noImages = { round: 1 };
  expect(() => parseProjectFile(labelledSet, JSON.stringify(noImages), '/p/rounds/1/labelled.json')).toThrow(
    ProjectFileError,
  );
  expect(() => parseProjectFile(labelledSet, JSON.stringify(noImages), '/p/rounds/1/labelled.json')).toThrow(
    '/p/rounds/1/labelled.json: images: ',
  );
  const unknownMethod = { round: 1, method: 'MAGIC', labelledBefore: 0, images: [] };
  expect(() => parseProjectFile(selectionFile, JSON.stringify(unknownMethod), '/p/selection.json')).toThrow(/method: /);
});
