import { PrismaClient } from '@prisma/client';
import { Router } from 'express';
import { archive } from '../storage/archive';

const prisma = new PrismaClient();
export const projects = Router();

// The owner check is made, then the archive upload runs for seconds while other requests can
// remove the caller from the project, and the delete goes ahead on the old answer.
projects.delete('/:id', async (req, res) => {
  const member = await prisma.projectMember.findUnique({
    where: { projectId_memberCn: { projectId: req.params.id, memberCn: res.locals.identity.cn } },
  });
  if (member?.role !== 'owner') return res.sendStatus(403);
  await archive.uploadPrefix(`projects/${req.params.id}/`);
  await prisma.project.delete({ where: { id: req.params.id } });
  res.sendStatus(204);
});

// Fixed: the ownership is part of the delete, so a revoked owner deletes nothing, and the archive
// is written only for what was deleted.
projects.delete('/:id/drafts', async (req, res) => {
  const { count } = await prisma.draft.deleteMany({
    where: { projectId: req.params.id, project: { members: { some: { memberCn: res.locals.identity.cn, role: 'owner' } } } },
  });
  if (count === 0) return res.sendStatus(403);
  await archive.uploadPrefix(`projects/${req.params.id}/drafts/`);
  res.sendStatus(204);
});
