// A benchmark strategy is the selection method of round 1 and of the later rounds: METHOD (round 1 CORESET,
// the loop's default, or RANDOM for RANDOM) or INITIAL+METHOD (round 1 INITIAL, e.g. TYPICLUST+UNCERTAINTY).
// A `:dedup` suffix (RANDOM:dedup, UNCERTAINTY:dedup) selects every round among the images LightlyStudio's
// deduplication keeps, as the loop's `selection.deduplicate` does (distance: run.ts --dedup-distance).
import { selectionMethod, type SelectionMethod } from '../../core/config/loop-config';

export interface StrategyMethods {
  initial: SelectionMethod;
  rounds: SelectionMethod;
  /** Present (true) for a `:dedup` strategy. */
  deduplicate?: true;
}

export function strategyMethods(strategy: string): StrategyMethods {
  const [methods, suffix, ...extra] = strategy.split(':');
  if (extra.length || (suffix !== undefined && suffix !== 'dedup'))
    throw new Error(`strategy ${strategy}: the only suffix is :dedup`);
  const dedup = suffix === 'dedup' ? { deduplicate: true as const } : {};
  const parts = methods.split('+');
  const parse = (m: string) => {
    if (!(selectionMethod.options as readonly string[]).includes(m))
      throw new Error(`strategy ${strategy}: ${m} is not one of ${selectionMethod.options.join(', ')}`);
    return m as SelectionMethod;
  };
  if (parts.length > 2) throw new Error(`strategy ${strategy}: give METHOD or INITIAL+METHOD`);
  if (parts.length === 2) return { initial: parse(parts[0]), rounds: parse(parts[1]), ...dedup };
  return { initial: parts[0] === 'RANDOM' ? 'RANDOM' : 'CORESET', rounds: parse(parts[0]), ...dedup };
}
