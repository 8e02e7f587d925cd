import { strategyMethods } from './strategy';

test('a strategy names its first and later rounds: METHOD starts with CORESET (RANDOM with RANDOM), INITIAL+METHOD with INITIAL', () => {
  expect(strategyMethods('RANDOM')).toEqual({ initial: 'RANDOM', rounds: 'RANDOM' });
  expect(strategyMethods('UNCERTAINTY')).toEqual({ initial: 'CORESET', rounds: 'UNCERTAINTY' });
  expect(strategyMethods('TYPICLUST+UNCERTAINTY')).toEqual({ initial: 'TYPICLUST', rounds: 'UNCERTAINTY' });
});

test('an unknown method or a third part is refused, naming the strategy', () => {
  expect(() => strategyMethods('TYPICLUST+UNCERTAINY')).toThrow(
    /strategy TYPICLUST\+UNCERTAINY: UNCERTAINY is not one of RANDOM, CORESET, TYPICLUST/,
  );
  expect(() => strategyMethods('A+B+C')).toThrow(/give METHOD or INITIAL\+METHOD/);
});

test('a :dedup suffix marks a strategy that selects among the deduplicated images; other suffixes are refused', () => {
  expect(strategyMethods('UNCERTAINTY:dedup')).toStrictEqual({
    initial: 'CORESET',
    rounds: 'UNCERTAINTY',
    deduplicate: true,
  });
  expect(strategyMethods('RANDOM:dedup')).toStrictEqual({ initial: 'RANDOM', rounds: 'RANDOM', deduplicate: true });
  expect(strategyMethods('RANDOM')).toStrictEqual({ initial: 'RANDOM', rounds: 'RANDOM' });
  expect(() => strategyMethods('RANDOM:dedupe')).toThrow(/the only suffix is :dedup/);
  expect(() => strategyMethods('RANDOM:dedup:dedup')).toThrow(/the only suffix is :dedup/);
});
