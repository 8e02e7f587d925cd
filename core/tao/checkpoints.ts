// TAO's checkpoint file names: `yolov4_<arch><nlayers>_epoch_<NNN>.<tlt|hdf5>` in `<results>/weights/`.
// TAO parses the resume epoch from the name, so pomona never renames a checkpoint.
import type { TaoDialect } from './settings';

/** TLT 3.0 and TAO before 5 write encrypted `.tlt` models; TAO 5 writes `.hdf5`. */
export function checkpointExtension(dialect: TaoDialect): 'tlt' | 'hdf5' {
  return dialect === 'tao5' ? 'hdf5' : 'tlt';
}

export function checkpointName(arch: string, nlayers: number, epoch: number, dialect: TaoDialect): string {
  return `yolov4_${arch}${nlayers}_epoch_${String(epoch).padStart(3, '0')}.${checkpointExtension(dialect)}`;
}

/** The epoch of a checkpoint file name, or null when the name is not TAO's. */
export function checkpointEpoch(fileName: string): number | null {
  const match = /^yolov4_[a-z_0-9]+_epoch_(\d+)\.(tlt|hdf5)$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

/** The highest-epoch name among `names` (file names only), or null. */
export function latestCheckpointName(names: readonly string[]): { name: string; epoch: number } | null {
  let best: { name: string; epoch: number } | null = null;
  for (const name of names) {
    const epoch = checkpointEpoch(name);
    if (epoch !== null && (!best || epoch > best.epoch)) best = { name, epoch };
  }
  return best;
}
