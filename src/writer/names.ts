/**
 * Why `name` cannot be an HDF5 link or attribute name, or undefined when it
 * can. Names are stored as NUL-terminated UTF-8 (spec IV.A.2.g link message,
 * IV.A.2.m attribute message), so they cannot hold U+0000 or unpaired
 * surrogates (no UTF-8 form); "/" separates path components and "." names
 * the group itself.
 */
export function nameProblem(name: string, isAttribute = false): string | undefined {
  if (name === '') return 'names must be non-empty';
  if (name.includes('\0')) return 'names cannot contain NUL';
  if (!wellFormed(name)) return 'names must be well-formed Unicode (no unpaired surrogates)';
  if (isAttribute) return undefined;
  if (name.includes('/')) return 'link names cannot contain "/"';
  if (name === '.') return '"." names the group itself';
  return undefined;
}

/** A string UTF-8 can carry unchanged (no unpaired surrogates). */
export function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
