// LightlyStudio (Apache-2.0, PyPI `lightly-studio`) in an environment of its own, installed by an explicit
// step (`pomona lightly setup`), never by the default setup: it pulls a CUDA build of torch and about
// 6.5 GB, and PyPI's torchvision does not run beside the trainer's CPU torch in .venv. pomona runs its
// own module (integrations/lightly-studio) with this environment's Python, always as `python -m`: the
// venv's console scripts name the path it was created under in their first line.
import execa from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';

export const LIGHTLY_STUDIO_VERSION = '1.2.0';
/** Pinned with it: the newest releases this machine's pip constraints allow (torchvision 0.29 is torch 2.14's). */
export const LIGHTLY_STUDIO_TORCH = ['torch==2.14.1', 'torchvision==0.29.1'];

/** The folder under .tools; its real path, so the venv stays valid when .tools is reached through a link. */
export function lightlyStudioHome(): string {
  const tools = path.join(repositoryRoot(), '.tools');
  fs.mkdirSync(tools, { recursive: true });
  return path.join(fs.realpathSync(tools), 'lightly-studio');
}

export const lightlyStudioPython = () => path.join(lightlyStudioHome(), 'venv', 'bin', 'python');
const stampFile = () => path.join(lightlyStudioHome(), 'installed.json');
const requirements = () => [`lightly-studio==${LIGHTLY_STUDIO_VERSION}`, ...LIGHTLY_STUDIO_TORCH];

/** True when setup finished for today's pinned versions. */
export function lightlyStudioInstalled(): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile(), 'utf8')) as { requirements?: string[] };
    return (
      JSON.stringify(stamp.requirements) === JSON.stringify(requirements()) && fs.existsSync(lightlyStudioPython())
    );
  } catch {
    return false;
  }
}

export function requireLightlyStudio(): void {
  if (!lightlyStudioInstalled())
    throw new Error(`LightlyStudio is not installed in ${lightlyStudioHome()}: run npx pomona lightly setup`);
}

/**
 * Creates the venv and installs the pinned packages, pip's progress on this terminal; does nothing when the
 * stamp matches. Returns whether it installed. A failed pip leaves no stamp, so the next run tries again.
 */
export async function installLightlyStudio(
  log: (line: string) => void,
  python = process.env.POMONA_PYTHON_FOR_TOOLS ?? 'python3',
): Promise<boolean> {
  if (lightlyStudioInstalled()) return false;
  const venv = path.join(lightlyStudioHome(), 'venv');
  if (!fs.existsSync(lightlyStudioPython())) {
    log(`creating ${venv}`);
    await execa(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  log(`pip install ${requirements().join(' ')} (about 6.5 GB; minutes)`);
  const pip = await execa(
    lightlyStudioPython(),
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'on', ...requirements()],
    { stdio: 'inherit', reject: false },
  );
  if (pip.exitCode !== 0)
    throw new Error(
      `pip install failed (exit code ${pip.exitCode}); its output is above. ${venv} is kept; run setup again`,
    );
  fs.writeFileSync(stampFile(), JSON.stringify({ requirements: requirements() }, null, 2) + '\n');
  return true;
}

/** The environment for LightlyStudio's Python: pomona's module importable, analytics off, no .env files read. */
export function lightlyStudioEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: path.join(repositoryRoot(), 'integrations', 'lightly-studio'),
    LIGHTLY_STUDIO_ANALYTICS_ENABLED: 'false',
    PYTHONUNBUFFERED: '1',
  };
}
