// The whole browser-safe library (reading and writing).
export * from '../../dist/index.js';
