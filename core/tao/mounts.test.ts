// Host <-> container paths through the mounts, and the mounts file's shape.
import { mountsFile, taoMounts, toContainerPath, toHostPath, TaoPathError } from './mounts';

const mounts = taoMounts('/data/ws/orchard', '/models/resnet18/resnet_18.hdf5', '/workspace/pomona');

test('paths map through the mount that contains them, and back', () => {
  expect(toContainerPath('/data/ws/orchard/rounds/1/train', mounts)).toBe('/workspace/pomona/project/rounds/1/train');
  expect(toContainerPath('/models/resnet18/resnet_18.hdf5', mounts)).toBe(
    '/workspace/pomona/pretrained/resnet_18.hdf5',
  );
  expect(toHostPath('/workspace/pomona/project/rounds/1/train/weights/x.tlt', mounts)).toBe(
    '/data/ws/orchard/rounds/1/train/weights/x.tlt',
  );
  expect(toHostPath('/elsewhere/x', mounts)).toBeNull();
});

test('a path under no mount, a sibling with a shared prefix, or a space is refused', () => {
  expect(() => toContainerPath('/data/ws/other/x', mounts)).toThrow(TaoPathError);
  expect(() => toContainerPath('/data/ws/orchard-2/x', mounts)).toThrow(/under no mount/);
  expect(() => toContainerPath('/data/ws/orchard/my labels', mounts)).toThrow(/must not contain spaces/);
});

test("the mounts file has only the keys the launcher accepts, no TTY, the worker's user, no secrets", () => {
  const file = mountsFile(mounts, 1000, 1001);
  expect(Object.keys(file).sort()).toEqual(['DockerOptions', 'Envs', 'Mounts']);
  expect(file.DockerOptions).toMatchObject({ user: '1000:1001', tty: false });
  expect(file.Envs).toEqual([{ variable: 'TELEMETRY_OPT_OUT', value: 'yes' }]);
});
