import { isJobProcessor } from '../src/analysis/job-processors';
import { isFunctionLike } from '../src/analysis/modules';
import { ts } from '../src/ts';

/** Whether each function named by a `// <name>` comment on the line before it processes a job. */
function judged(text: string): Record<string, boolean> {
  const sf = ts.createSourceFile('/p/worker.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Record<string, boolean> = {};
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n)) {
      const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const label = /\/\/ (\w+)\s*$/.exec(text.split('\n')[line - 1] ?? '')?.[1];
      if (label) out[label] = isJobProcessor(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('job processors: the functions a job library runs with a job', () => {
  it("knows BullMQ's Worker processor, a function typed with the library's Job, and one the processor hands its job to", () => {
    expect(
      judged(`
import { Worker, type Job } from 'bullmq';
// typed
async function settle(job: Job<{ id: string }>) {}
// handed
async function execute(job) {}
// other
async function audit(entry) {}
new Worker('payouts',
  // processor
  async (job) => { if (job.name === 'settle') return settle(job); await audit(job.data); return execute(job); });
`),
    ).toEqual({ typed: true, handed: true, other: false, processor: true });
  });

  it("knows Bull's queue.process(fn) and namespace imports, not a same-named type of another module", () => {
    expect(
      judged(`
import Bull from 'bull';
import { Job as Task } from './tasks';
const queue = new Bull('mail');
// typed
async function send(job: Bull.Job) {}
// foreign
async function run(task: Task) {}
queue.process(
  // processor
  async (job) => send(job));
`),
    ).toEqual({ typed: true, foreign: false, processor: true });
  });

  it('says nothing of a file that uses no job library', () => {
    expect(
      judged(`
class Worker { constructor(name: string, fn: unknown) {} }
new Worker('x',
  // processor
  async (job) => {});
`),
    ).toEqual({ processor: false });
  });
});
