// `pomona lightly setup`: LightlyStudio's own venv under .tools/lightly-studio and the pinned packages in it
// (activities/lightly-studio/lightly-studio-env.ts says where and which).
import execa from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  lightlyStudioHome,
  lightlyStudioInstalled,
  lightlyStudioPython,
  lightlyStudioRequirements,
  lightlyStudioStampFile,
} from '../../activities/lightly-studio/lightly-studio-env';

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
  log(`pip install ${lightlyStudioRequirements().join(' ')} (about 6.5 GB; minutes)`);
  const pip = await execa(
    lightlyStudioPython(),
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'on', ...lightlyStudioRequirements()],
    { stdio: 'inherit', reject: false },
  );
  if (pip.exitCode !== 0)
    throw new Error(
      `pip install failed (exit code ${pip.exitCode}); its output is above. ${venv} is kept; run setup again`,
    );
  fs.writeFileSync(
    lightlyStudioStampFile(),
    JSON.stringify({ requirements: lightlyStudioRequirements() }, null, 2) + '\n',
  );
  return true;
}
