// Summarise a V8 .cpuprofile (node --cpu-prof): self time per function, with
// positions in dist/ mapped back to src/ through dist's source maps.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './config.mjs';

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** Decode a source map's `mappings` into per-generated-line sorted segments [col, src, line]. */
function decodeMappings(map) {
  const lines = [];
  let src = 0, line = 0, col = 0;
  for (const text of map.mappings.split(';')) {
    const segs = [];
    let gcol = 0;
    if (text) {
      for (const seg of text.split(',')) {
        const v = [];
        let value = 0, shift = 0;
        for (const ch of seg) {
          const d = B64.get(ch);
          value += (d & 31) << shift;
          if (d & 32) shift += 5;
          else {
            v.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        gcol += v[0];
        if (v.length >= 4) {
          src += v[1];
          line += v[2];
          col += v[3];
          segs.push([gcol, src, line]);
        }
      }
    }
    lines.push(segs);
  }
  return lines;
}

const maps = new Map();
function mapperFor(url) {
  if (maps.has(url)) return maps.get(url);
  let mapper = null;
  try {
    const file = fileURLToPath(url);
    if (existsSync(`${file}.map`)) {
      const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
      const lines = decodeMappings(map);
      mapper = (line0, col0) => {
        const segs = lines[line0];
        if (!segs?.length) return null;
        let best = segs[0];
        for (const s of segs) {
          if (s[0] <= col0) best = s;
          else break;
        }
        const source = map.sources[best[1]].replace(/^(\.\.\/)+/, '');
        return `${source}:${best[2] + 1}`;
      };
    }
  } catch {
    mapper = null;
  }
  maps.set(url, mapper);
  return mapper;
}

function where(cf) {
  if (!cf.url) return cf.functionName.startsWith('(') ? '' : 'native';
  const mapper = cf.url.startsWith('file:') ? mapperFor(cf.url) : null;
  const mapped = mapper?.(cf.lineNumber, cf.columnNumber);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(cf.url)?.[1];
  if (mapped) return pkg ? `${pkg}:${mapped}` : mapped;
  const path = cf.url.startsWith('file:') ? relative(ROOT, fileURLToPath(cf.url)) : cf.url;
  return `${path}:${cf.lineNumber + 1}`;
}

/**
 * Top `n` functions by self time: [{ fn, where, ms, pct }] (pct of all
 * samples), plus the profile's total ms; `keep(fn, where)` filters the list.
 */
export function summarizeProfile(path, n = 8, keep = () => true) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(prof.samples[i]);
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') continue;
    const key = `${cf.functionName || '(anonymous)'}\u0000${where(cf)}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, ms]) => {
      const [fn, at] = key.split('\u0000');
      return { fn, where: at, ms, pct: (100 * ms) / total };
    })
    .filter((t) => keep(t.fn, t.where))
    .slice(0, n);
  return { totalMs: total, top };
}
