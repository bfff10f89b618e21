import { Router } from 'express';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const uploads = Router();
const ROOT = '/srv/uploads';

uploads.put('/:name', (req, res) => {
  const dir = path.join(ROOT, res.locals.identity.cn);
  const target = path.join(dir, path.basename(req.params.name));

  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir);
  }
  if (fs.existsSync(target)) {
    res.status(409).send('exists');
    return;
  }
  // Between the existsSync above and this write, a symlink can be planted at `target`.
  fs.writeFileSync(target, req.body);
  res.status(201).end();
});

uploads.delete('/:name', async (req, res) => {
  const target = path.join(ROOT, res.locals.identity.cn, path.basename(req.params.name));
  try {
    await fs.promises.access(target, fs.constants.W_OK);
  } catch {
    res.status(404).end();
    return;
  }
  await fs.promises.unlink(target);
  res.status(204).end();
});

// The safe way: let the operation be the check.
uploads.post('/:name', (req, res) => {
  const target = path.join(ROOT, res.locals.identity.cn, path.basename(req.params.name));
  fs.writeFile(target, req.body, { flag: 'wx' }, (err) => {
    if (err && err.code === 'EEXIST') res.status(409).end();
    else if (err) res.status(500).end();
    else res.status(201).end();
  });
});
