import type { Fn } from './handlers';
import type { Project } from './project';

/**
 * Request paths: for each handler the ordered chain of functions that run before it (built once
 * per handler from the registrations of `Handlers.chainBefore`). Whether a check runs before a node
 * on every path is `Dominance.checkBefore`.
 */
export class RequestPaths {
  private readonly chains = new Map<Fn, Fn[]>();

  constructor(private readonly project: Project) {}

  /** The functions that run before `handler`, outermost first. */
  chain(handler: Fn): Fn[] {
    let c = this.chains.get(handler);
    if (!c) this.chains.set(handler, (c = this.project.handlers.chainBefore(handler)));
    return c;
  }
}
