// "500ms", "2s", "5m", "1h" -> milliseconds, for CLI flags.
import { CliError } from './cli-error';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new CliError(`"${text}" is not a duration like 500ms, 2s, 5m or 1h`, 2);
  return Number(match[1]) * UNITS[match[2]];
}
