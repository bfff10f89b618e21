/**
 * The vocabulary of the analysis: one typed table per concept, with the predicates and derived
 * text tests the analysis and the rules ask. See README.md in `src/analysis` for who asks what.
 */
export * from './patterns';
export * from './requests';
export * from './identity-sources';
export * from './tls';
export * from './frameworks';
export * from './di';
export * from './data-access';
export * from './sql';
export * from './http-clients';
export * from './fs';
export * from './refusals';
export * from './atomic';
export * from './deferral';
export * from './containers';
export * from './authorization';
export * from './values';
export * from './clock';
export * from './flags';
