// LightlyStudio (Apache-2.0, PyPI `lightly-studio`) in an environment of its own, installed by an explicit
// step (`pomona lightly setup`, cli/lightly/lightly-studio-setup.ts), never by the default setup: it pulls a CUDA build of torch and about
// 6.5 GB, and PyPI's torchvision does not run beside the trainer's CPU torch in .venv. pomona runs its
// own module (integrations/lightly-studio) with this environment's Python, always as `python -m`: the
// venv's console scripts name the path it was created under in their first line.
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
export const lightlyStudioStampFile = () => path.join(lightlyStudioHome(), 'installed.json');
export const lightlyStudioRequirements = () => [`lightly-studio==${LIGHTLY_STUDIO_VERSION}`, ...LIGHTLY_STUDIO_TORCH];

/** True when setup finished for today's pinned versions. */
export function lightlyStudioInstalled(): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(lightlyStudioStampFile(), 'utf8')) as { requirements?: string[] };
    return (
      JSON.stringify(stamp.requirements) === JSON.stringify(lightlyStudioRequirements()) &&
      fs.existsSync(lightlyStudioPython())
    );
  } catch {
    return false;
  }
}

/** Why LightlyStudio cannot run here (not installed, or installed for other versions), or null. */
export function lightlyStudioMissing(): string | null {
  return lightlyStudioInstalled()
    ? null
    : `LightlyStudio ${LIGHTLY_STUDIO_VERSION} is not installed in ${lightlyStudioHome()}: run npx pomona lightly setup`;
}

export function requireLightlyStudio(): void {
  const missing = lightlyStudioMissing();
  if (missing) throw new Error(missing);
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
