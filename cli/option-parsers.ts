// Commander parsers for options (numbers, choices, durations): a bad value is refused while parsing, in one
// line naming the option (commander's InvalidArgumentError; main exits 2), never passed on as NaN, a
// negative count or an unknown name.
import { InvalidArgumentError } from 'commander';

/** An integer within [min, max]. */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError('not an integer.');
    if (n < min || n > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}.` : `must be within ${min}..${max}.`,
      );
    return n;
  };
}

/** A finite number, at least `min` when given (ranges checked elsewhere are left to their owner). */
export function finite(min = -Infinity): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
    if (n < min) throw new InvalidArgumentError(`must be at least ${min}.`);
    return n;
  };
}

/** One of `values`; with `upperCase`, typed in any case and returned as written in `values`. */
export function choice<T extends string>(values: readonly T[], upperCase = false): (value: string) => T {
  return (value) => {
    const key = upperCase ? value.toUpperCase() : value;
    const found = values.find((v) => v === key);
    if (found === undefined) throw new InvalidArgumentError(`"${value}" is not one of ${values.join(', ')}.`);
    return found;
  };
}

/** A comma-separated list of `values` (at least one, none twice). */
export function choices<T extends string>(values: readonly T[]): (value: string) => T[] {
  const one = choice(values);
  return (value) => {
    const list = value.split(',').map((v) => one(v.trim()));
    if (new Set(list).size !== list.length) throw new InvalidArgumentError('a value given twice.');
    return list;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "2s", "5m", "1h" -> milliseconds. */
export function duration(): (value: string) => number {
  return (value) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
    if (!match) throw new InvalidArgumentError('not a duration like 500ms, 2s, 5m or 1h.');
    return Number(match[1]) * DURATION_UNITS[match[2]];
  };
}
