// `npx pomona ...` runs under npm's wrapper (npm exec -> sh -c -> node pomona). A signal to the wrapper
// (`kill $!` after `npx pomona worker &`) ends the wrapper and its shell but not this process, which init
// then adopts and nobody stops. So a process npm launched ends as a SIGTERM would end it once its parent
// is gone. Started any other way (node directly, systemd, a container), its parent is not watched: a
// `nohup ... &` from a shell that exits must keep running.

const POLL_MS = 1000;

export function endWithLauncher(env: NodeJS.ProcessEnv = process.env): void {
  // `exec` only: npm run scripts pass npm_command on to all they start, backgrounded workers included.
  if (env.npm_command !== 'exec') return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, POLL_MS);
  timer.unref(); // never what keeps a finished command alive
}
