// `pomona dataset check`, in process: the layouts' problems reach the report and the exit code.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeRgbPng } from '../../tests/helpers/png';
import { tempWorkspace } from '../../tests/helpers/orchard';
import { CliError } from '../cli-error';
import { parseClasses, registerDataset } from './dataset';

async function check(...args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const program = new Command('pomona').exitOverride();
  registerDataset(program);
  try {
    await program.parseAsync(['node', 'pomona', 'dataset', 'check', ...args]);
    return { out: lines.join('\n'), exitCode: process.exitCode as number | undefined };
  } finally {
    log.mockRestore();
    process.exitCode = undefined;
  }
}

test('a Pascal VOC folder: counts, every problem with file:line, exit code 1; --classes checks class names', async () => {
  const root = tempWorkspace();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  writeRgbPng(path.join(root, 'images', 'b.png'), 50, 40);
  fs.mkdirSync(path.join(root, 'annotations'));
  fs.writeFileSync(
    path.join(root, 'annotations', 'a.xml'),
    '<annotation>\n<object><name>Tree</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object>\n</annotation>\n',
  );
  fs.writeFileSync(path.join(root, 'annotations', 'b.xml'), '<annotation>\n<object>\n</annotation>\n');
  const text = await check(root);
  expect(text.exitCode).toBe(1);
  expect(text.out.split('\n')).toEqual([
    `${root}: voc layout, 2 images, 1 labelled, 1 boxes`,
    'boxes per labelled image: min 1, median 1, max 1',
    '1 problem(s):',
    expect.stringMatching(new RegExp(`^  ${path.join(root, 'annotations', 'b.xml')}:3: malformed XML: `)),
  ]);
  const json = JSON.parse((await check(root, '--json', '--classes', 'bush, shrub')).out);
  expect(json).toMatchObject({ layout: 'voc', images: 2, labelled: 1, boxes: 0 });
  expect(json.problems).toEqual([
    `${path.join(root, 'annotations', 'a.xml')}:2: unknown class "tree" (annotation.classes: bush, shrub)`,
    expect.stringContaining('b.xml:3: malformed XML'),
  ]);
  fs.writeFileSync(path.join(root, 'annotations', 'b.xml'), '<annotation/>');
  expect(await check(root, '--classes', 'tree')).toMatchObject({
    exitCode: undefined,
    out: expect.stringContaining('no problems found'),
  });
});

test('--classes: names as annotation.classes holds them', () => {
  expect(parseClasses('apple, Pear,')).toEqual(['apple', 'Pear']);
  expect(() => parseClasses(' , ')).toThrow(CliError);
  expect(() => parseClasses('green apple')).toThrow('has spaces');
});
