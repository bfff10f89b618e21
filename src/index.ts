/** The programmatic API: run a scan and render it, as the CLI does. */
export { run, type RunOptions, type RunResult } from './engine';
export { render, FORMATS, type Format } from './reporters/index';
export type { Finding, Location, Notification, Severity } from './findings';
export { rules } from '../rules/index';
