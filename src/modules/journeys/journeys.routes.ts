import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { check } from '../../web/middleware/validate';
import { createStageSchema, createTouchpointSchema, type CreateStageInput, type CreateTouchpointInput } from './journeys.schemas';
import { createStage, createTouchpoint, listStages, listTouchpoints } from './journeys.service';
import type { Stage } from './stage.entity';
import type { Touchpoint } from './touchpoint.entity';

function stageToApi(s: Stage) {
  return { id: s.id, key: s.key, name: { vi: s.nameVi, en: s.nameEn }, position: s.position, framework: s.framework };
}

function touchpointToApi(t: Touchpoint) {
  return {
    id: t.id, key: t.key, stageKey: t.stage?.key ?? null, name: { vi: t.nameVi, en: t.nameEn },
    channel: t.channel, ownerEmail: t.owner?.email ?? null, position: t.position,
  };
}

export function journeysApiRouter({ db }: AppDeps): Router {
  const router = Router();
  router.get('/stages', async (_req, res) => {
    res.json({ items: (await listStages(db)).map(stageToApi) });
  });
  router.post('/stages', async (req, res) => {
    const input = check<CreateStageInput>(createStageSchema, req.body);
    res.status(201).json(stageToApi(await createStage(db, input)));
  });
  router.get('/touchpoints', async (_req, res) => {
    res.json({ items: (await listTouchpoints(db)).map(touchpointToApi) });
  });
  router.post('/touchpoints', async (req, res) => {
    const input = check<CreateTouchpointInput>(createTouchpointSchema, req.body);
    const touchpoint = await createTouchpoint(db, {
      key: input.key, stage: { key: input.stageKey }, name: input.name, channel: input.channel,
      owner: input.ownerEmail ? { email: input.ownerEmail } : null,
    });
    res.status(201).json(touchpointToApi(touchpoint));
  });
  return router;
}
