/** Local vendor emulators (shipped with the service: tests, benches and the demo use them). */
export * from './stripe';
