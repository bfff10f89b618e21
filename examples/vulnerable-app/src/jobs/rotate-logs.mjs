import { access, rename } from 'node:fs/promises';

export async function rotate(logFile) {
  try {
    await access(logFile);
  } catch {
    return;
  }
  await rename(logFile, `${logFile}.1`);
}
