// A benchmark strategy is the selection method of round 1 and of the later rounds: METHOD (round 1 CORESET,
// the loop's default, or RANDOM for RANDOM) or INITIAL+METHOD (round 1 INITIAL, e.g. TYPICLUST+UNCERTAINTY).
import { selectionMethod, type SelectionMethod } from '../../core/config/loop-config';

export function strategyMethods(strategy: string): { initial: SelectionMethod; rounds: SelectionMethod } {
  const parts = strategy.split('+');
  const parse = (m: string) => {
    if (!(selectionMethod.options as readonly string[]).includes(m))
      throw new Error(`strategy ${strategy}: ${m} is not one of ${selectionMethod.options.join(', ')}`);
    return m as SelectionMethod;
  };
  if (parts.length > 2) throw new Error(`strategy ${strategy}: give METHOD or INITIAL+METHOD`);
  if (parts.length === 2) return { initial: parse(parts[0]), rounds: parse(parts[1]) };
  return { initial: parts[0] === 'RANDOM' ? 'RANDOM' : 'CORESET', rounds: parse(parts[0]) };
}
