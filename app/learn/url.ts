/**
 * Learn mode's address: `#learn/<lesson>?<the lesson's controls>[&present=1]`, e.g.
 * `#learn/1?min=-2&max=6&type=u8&sym=0&x=0.3` or `#learn/3?tensor=conv1_2&min=0&max=500`. Opening the
 * URL restores the lesson with its controls; anything else in the hash is the workbench.
 *
 * Parsing is forgiving (an unknown or invalid field is ignored, the lesson keeps its default) and
 * formatting writes every field of the current lesson, so a copied URL is the whole state.
 */
import { DEFAULT_LESSON_STATE, GROWTH_METHODS, isLessonId, type ChannelSort, type GrowthMethod, type LessonId, type LessonState, type QuantType } from './meta';

export interface LearnRoute {
  readonly lesson: LessonId;
  /** Only the fields the URL carries (merge them over the lesson's current state). */
  readonly state: Partial<LessonState[LessonId]>;
  readonly presenting: boolean;
}

const PREFIX = '#learn';

export function isLearnHash(hash: string): boolean {
  return hash === PREFIX || hash.startsWith(`${PREFIX}/`) || hash.startsWith(`${PREFIX}?`);
}

function num(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function type(v: string | null): QuantType | undefined {
  return v === 'u8' || v === 's8' ? v : undefined;
}

function bool(v: string | null): boolean | undefined {
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

function text(v: string | null): string | undefined {
  return v !== null && v.length > 0 ? v : undefined;
}

/** Drops undefined fields, so a merge keeps the current value of everything the URL does not set. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The route of a `#learn...` hash; null for any other hash (the workbench). */
export function parseLearnHash(hash: string): LearnRoute | null {
  if (!isLearnHash(hash)) return null;
  const rest = hash.slice(PREFIX.length);
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  const params = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : '');
  const n = Number(path.replace(/^\//, '') || '1');
  const lesson: LessonId = isLessonId(n) ? n : 1;
  const presenting = bool(params.get('present')) ?? false;
  const g = (k: string) => params.get(k);
  let state: Partial<LessonState[LessonId]>;
  switch (lesson) {
    case 1:
      state = defined({ min: num(g('min')), max: num(g('max')), type: type(g('type')), symmetric: bool(g('sym')), x: num(g('x')) });
      break;
    case 2:
      state = defined({ activation: text(g('act')), weight: text(g('w')), symType: type(g('st')) });
      break;
    case 3:
      state = defined({ tensor: text(g('tensor')), min: num(g('min')), max: num(g('max')), type: type(g('type')), symmetric: bool(g('sym')) });
      break;
    case 4: {
      const ch = num(g('ch'));
      const sort = g('sort');
      state = defined({ layer: text(g('layer')), channel: ch !== undefined && Number.isInteger(ch) && ch >= 0 ? ch : undefined, sort: sort === 'channel' || sort === 'range' ? (sort as ChannelSort) : undefined });
      break;
    }
    case 5: {
      const method = g('method');
      state = defined({ tensor: text(g('tensor')), method: (GROWTH_METHODS as readonly string[]).includes(method ?? '') ? (method as GrowthMethod) : undefined });
      break;
    }
    case 6: {
      const p = num(g('params'));
      state = defined({ parameters: p !== undefined && p >= 0 ? p : undefined });
      break;
    }
    default:
      state = {};
  }
  return { lesson, state, presenting };
}

/** A number as short as it can be written while round-tripping to 12 significant digits. */
export function formatParam(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** The hash for a lesson in a state (every field of that lesson; nulls are left out). */
export function formatLearnHash(lesson: LessonId, state: LessonState[LessonId], presenting: boolean): string {
  const params = new URLSearchParams();
  const put = (k: string, v: string | number | boolean | null | undefined) => {
    if (v === null || v === undefined) return;
    params.set(k, typeof v === 'number' ? formatParam(v) : typeof v === 'boolean' ? (v ? '1' : '0') : v);
  };
  switch (lesson) {
    case 1: {
      const s = state as LessonState[1];
      put('min', s.min);
      put('max', s.max);
      put('type', s.type);
      put('sym', s.symmetric);
      put('x', s.x);
      break;
    }
    case 2: {
      const s = state as LessonState[2];
      put('act', s.activation);
      put('w', s.weight);
      put('st', s.symType);
      break;
    }
    case 3: {
      const s = state as LessonState[3];
      put('tensor', s.tensor);
      put('min', s.min);
      put('max', s.max);
      put('type', s.type);
      put('sym', s.symmetric);
      break;
    }
    case 4: {
      const s = state as LessonState[4];
      put('layer', s.layer);
      put('ch', s.channel);
      put('sort', s.sort);
      break;
    }
    case 5: {
      const s = state as LessonState[5];
      put('tensor', s.tensor);
      put('method', s.method);
      break;
    }
    case 6:
      put('params', (state as LessonState[6]).parameters);
      break;
    default:
      break;
  }
  if (presenting) params.set('present', '1');
  const query = params.toString();
  return `${PREFIX}/${lesson}${query ? `?${query}` : ''}`;
}

/** The state a lesson opens in from a route: the defaults, then the current state, then the URL. */
export function mergeRoute<K extends LessonId>(current: LessonState[K], route: Partial<LessonState[K]>): LessonState[K] {
  return { ...current, ...route };
}

export { DEFAULT_LESSON_STATE };
