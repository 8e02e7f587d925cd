// The launcher's mounts file and the host -> container path mapping. The tool sees only mounted folders,
// so every path given to it (command line and spec) must be a mount destination's path; a host path
// outside every mount is a configuration error caught here, before launching.
// Mounts file keys (reference: tao-yolov4.md): `Mounts`, `Envs`, `DockerOptions`; anything else fails.
import * as path from 'node:path/posix';

export interface Mount {
  source: string;
  destination: string;
}

export interface MountsFile {
  Mounts: Mount[];
  Envs: { variable: string; value: string }[];
  DockerOptions: { user: string; tty: false; shm_size: string };
}

/** The container folder (under containerRoot) of the project's mount; the other is the pretrained model's. */
export const PROJECT_MOUNT = 'project';

/** pomona mounts two folders: the project (staged data, specs, results) and the pretrained model's. */
export function taoMounts(projectDir: string, pretrainedModel: string, containerRoot: string): Mount[] {
  return [
    { source: projectDir, destination: `${containerRoot}/${PROJECT_MOUNT}` },
    { source: path.dirname(pretrainedModel), destination: `${containerRoot}/pretrained` },
  ];
}

/**
 * The mounts file: the worker's uid:gid so results are not owned by root, no TTY (the worker has none),
 * telemetry off. Never secrets: the key goes on the command line (`-k`), as the tool documents.
 */
export function mountsFile(mounts: Mount[], uid: number, gid: number): MountsFile {
  return {
    Mounts: mounts,
    Envs: [{ variable: 'TELEMETRY_OPT_OUT', value: 'yes' }],
    DockerOptions: { user: `${uid}:${gid}`, tty: false, shm_size: '16G' },
  };
}

export class TaoPathError extends Error {
  override name = 'TaoPathError';
}

/** Maps a host path into the container through the mount whose source contains it (the longest one). */
export function toContainerPath(hostPath: string, mounts: readonly Mount[]): string {
  const normal = path.normalize(hostPath);
  let best: Mount | null = null;
  for (const m of mounts) {
    const source = path.normalize(m.source).replace(/\/$/, '');
    if ((normal === source || normal.startsWith(`${source}/`)) && (!best || source.length > best.source.length))
      best = { ...m, source };
  }
  if (!best)
    throw new TaoPathError(
      `${hostPath} is under no mount (${mounts.map((m) => m.source).join(', ')}): the tool could not see it`,
    );
  const inside = `${best.destination}${normal.slice(best.source.length)}`;
  if (/\s/.test(inside))
    throw new TaoPathError(`${inside}: the launcher joins arguments unquoted, so paths must not contain spaces`);
  return inside;
}

/** The inverse, for paths the tool prints (checkpoints): a container path back to the host. */
export function toHostPath(containerPath: string, mounts: readonly Mount[]): string | null {
  for (const m of mounts) {
    if (containerPath === m.destination || containerPath.startsWith(`${m.destination}/`))
      return `${m.source}${containerPath.slice(m.destination.length)}`;
  }
  return null;
}
