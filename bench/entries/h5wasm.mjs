// h5wasm's ESM (browser) entry; its WASM is embedded in the JS.
export * from 'h5wasm';
export { default } from 'h5wasm';
