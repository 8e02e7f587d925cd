import { curves, labelsToReach, type Run } from './curve';

const runs: Run[] = [
  {
    strategy: 'RANDOM',
    seed: 0,
    rounds: [
      { labelled: 10, map50: 0.2 },
      { labelled: 20, map50: 0.4 },
    ],
  },
  {
    strategy: 'RANDOM',
    seed: 1,
    rounds: [
      { labelled: 10, map50: 0.4 },
      { labelled: 20, map50: 0.6 },
    ],
  },
  { strategy: 'CORAL', seed: 0, rounds: [{ labelled: 10, map50: 0.5 }] },
];

test('curves: mean, min, max per labelled count, per strategy', () => {
  const c = curves(runs);
  expect([...c.keys()]).toEqual(['RANDOM', 'CORAL']);
  const random = c.get('RANDOM')!;
  expect(random.map((p) => p.labelled)).toEqual([10, 20]);
  expect(random[0].mean).toBeCloseTo(0.3);
  expect(random[1]).toMatchObject({ min: 0.4, max: 0.6, n: 2 });
  expect(random[1].mean).toBeCloseTo(0.5);
});

test('labelsToReach interpolates linearly between the counts around the crossing', () => {
  const random = curves(runs).get('RANDOM')!;
  // 0.3 at 10 labels, 0.5 at 20: 0.45 is three quarters of the way
  expect(labelsToReach(random, 0.45)).toBeCloseTo(17.5);
  expect(labelsToReach(random, 0.5)).toBeCloseTo(20);
  expect(labelsToReach(random, 0.1)).toBe(10);
  expect(labelsToReach(random, 0.51)).toBeNull();
});
