// Commander parsers for numeric options: a bad value is refused while parsing, in one line naming the
// option (commander's InvalidArgumentError; main exits 2), never passed on as NaN or a negative count.
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
