export * from 'jsfive';
