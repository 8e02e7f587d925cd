// The benchmark's embeddings: N x D independent standard normal values (Box-Muller on mulberry32), so
// every method sees identical float64 rows for a given seed. Unstructured data is the hard case for
// pomona's lazy selection: no clusters for the stale bounds to exploit.
import { mulberry32 } from '../../core/selection/random';

export function gaussianEmbeddings(n: number, dim: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const data = new Float64Array(n * dim);
  for (let i = 0; i < data.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - rand()));
    const angle = 2 * Math.PI * rand();
    data[i] = radius * Math.cos(angle);
    if (i + 1 < data.length) data[i + 1] = radius * Math.sin(angle);
  }
  return data;
}
