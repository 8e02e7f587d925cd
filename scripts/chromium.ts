// Debian's Chromium as the docs scripts run it headless on this machine: where it is, and the flags that
// keep it from dialling out (the network is closed; without them it retries connections many at a time).
import * as fs from 'node:fs';

export const QUIET_CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** POMONA_CHROMIUM, else /usr/bin/chromium; exits 2 with how to install it when it is not there. */
export function chromiumPath(): string {
  const executable = process.env.POMONA_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(executable)) {
    console.error(
      `${executable}: not found; install Debian's chromium (apt-get install chromium) or set POMONA_CHROMIUM`,
    );
    process.exit(2);
  }
  return executable;
}
