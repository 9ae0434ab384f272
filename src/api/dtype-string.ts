import type { Datatype } from '../format/messages/datatype.js';

/** A short numpy-like spelling of a datatype, for listings: `<f4`, `>i8`, `|S10`, `str`, `compound{x:<f8,y:<f8}`. */
export function dtypeString(t: Datatype): string {
  const bo = (o: string) => (o === 'BE' ? '>' : o === 'LE' ? '<' : '?');
  switch (t.class) {
    case 'integer':
      return `${t.size === 1 ? '|' : bo(t.order)}${t.signed ? 'i' : 'u'}${t.size}${t.precision !== t.size * 8 ? `(${t.precision}bit)` : ''}`;
    case 'float':
      return `${bo(t.order)}f${t.size}`;
    case 'bitfield':
      return `bitfield${t.size * 8}`;
    case 'time':
      return `time${t.size * 8}`;
    case 'string':
      return `|S${t.size}${t.charset === 'utf8' ? ' utf8' : ''}`;
    case 'opaque':
      return `|V${t.size}${t.tag ? ` "${t.tag}"` : ''}`;
    case 'compound':
      return `compound{${t.members.map((m) => `${m.name}:${dtypeString(m.type)}`).join(',')}}`;
    case 'enum':
      return `enum(${dtypeString(t.base)}){${t.members.map((m) => `${m.name}=${m.value}`).join(',')}}`;
    case 'array':
      return `array[${t.dims.join('x')}](${dtypeString(t.base)})`;
    case 'vlen':
      return t.kind === 'string' ? `str${t.charset === 'utf8' ? '' : ' ascii'}` : `vlen(${dtypeString(t.base)})`;
    case 'reference':
      return t.refType === 'object' ? 'ref' : 'regionref';
  }
}
