import * as path from 'node:path';
import { Project } from '../src/analysis/project';
import { EMPTY_IDENTITY_SOURCES } from '../src/config/index';
import { parseFile } from '../src/parse';
import { ts } from '../src/ts';

/** A project model over in-memory files (absolute names under /p/). */
function model(files: Record<string, string>): Project {
  const map = new Map<string, { text: string; sourceFile: ts.SourceFile }>();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join('/p', name);
    map.set(file, { text, sourceFile: parseFile(file, text).sourceFile });
  }
  return new Project(map, EMPTY_IDENTITY_SOURCES);
}

/** The place of every write in the project, as `target text → shared/request label`. */
function places(project: Project): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of project.sharedState.writes()) {
    const target = ts.isBinaryExpression(w.node) ? w.node.left.getText() : w.node.getText().replace(/\(.*$/s, '');
    out[target] = `${w.place.shared ? 'shared' : 'request'}: ${w.place.kind}`;
  }
  return out;
}

describe('shared state: what outlives a request', () => {
  it('places module bindings, caches, app.locals, globals and process.env as shared', () => {
    const p = model({
      'app.ts': `
        import LRU from 'lru-cache';
        const sessions = new Map();
        const lru = new LRU({ max: 10 });
        const byKey = {};
        let current;
        export function mw(req, res, next) {
          const cn = req.socket.getPeerCertificate().subject.CN;
          sessions.set(req.ip, cn);
          lru.set(cn, { cn });
          byKey[req.ip] = cn;
          current = cn;
          app.locals.user = cn;
          globalThis.lastClient = cn;
          process.env.CLIENT = cn;
          next();
        }`,
    });
    expect(places(p)).toEqual({
      'sessions.set': 'shared: module-object',
      'lru.set': 'shared: cache',
      'byKey[req.ip]': 'shared: module-object',
      current: 'shared: module-variable',
      'app.locals.user': 'shared: app-locals',
      'globalThis.lastClient': 'shared: global',
      'process.env.CLIENT': 'shared: env',
    });
  });

  it('places request fields, maps keyed by the request or socket and AsyncLocalStorage as request-bound', () => {
    const p = model({
      'mw.ts': `
        import { AsyncLocalStorage } from 'node:async_hooks';
        const bySocket = new WeakMap();
        const byReq = new Map();
        const als = new AsyncLocalStorage();
        export function mw(req, res, next) {
          const cn = req.socket.getPeerCertificate().subject.CN;
          req.identity = cn;
          res.locals.identity = cn;
          bySocket.set(req.socket, cn);
          byReq.set(req, cn);
          als.run({ cn }, next);
        }
        export const koa = async (ctx, next) => { ctx.state.identity = ctx.req.socket.getPeerCertificate(); await next(); };
        export const hono = async (c, next) => { c.set('identity', 'x'); await next(); };`,
    });
    expect(places(p)).toEqual({
      'req.identity': 'request: request',
      'res.locals.identity': 'request: request',
      'bySocket.set': 'request: keyed-by-request',
      'byReq.set': 'request: keyed-by-request',
      'als.run': 'request: async-local',
      'ctx.state.identity': 'request: request',
      'c.set': 'request: request',
    });
  });

  it('knows NestJS scopes and classes created once', () => {
    const p = model({
      'svc.ts': `
        import { Injectable, Scope } from '@nestjs/common';
        @Injectable()
        export class Singleton { set(v) { this.who = v; } }
        @Injectable({ scope: Scope.REQUEST })
        export class PerRequest { set(v) { this.who = v; } }
        class Plain { set(v) { this.who = v; } }
        export const plain = new Plain();
        class Made { set(v) { this.who = v; } }
        export function perCall() { return new Made(); }`,
    });
    const byClass = p.sharedState.writes().map((w) => `${(w.node.parent.parent.parent.parent as ts.ClassDeclaration).name?.text}: ${w.place.shared ? 'shared' : 'request'}`);
    expect(byClass).toEqual(['Singleton: shared', 'PerRequest: request', 'Plain: shared']);
  });

  it('follows an imported module-level cache to its declaration', () => {
    const p = model({
      'store.ts': 'export const cache = new Map();',
      'mw.ts': `import { cache } from './store';
        export function mw(req) { cache.set(req.ip, 1); }`,
    });
    const w = p.sharedState.writes();
    expect(w).toHaveLength(1);
    expect(w[0].place).toMatchObject({ shared: true, kind: 'module-object', label: 'module-level Map `cache`' });
  });

  it('does not take route registrations or queue messages for stored values', () => {
    const p = model({
      'app.ts': `
        import express from 'express';
        import { Queue } from 'bullmq';
        const app = express();
        const auditQueue = new Queue('audit');
        app.put('/x', (req, res) => res.end());
        export async function log(cn) { await auditQueue.add('login', { cn }); }`,
    });
    expect(p.sharedState.writes()).toEqual([]);
  });
});
