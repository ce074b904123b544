// Just enough Bicep reading to check the infra/ templates here, where the Bicep compiler cannot run: comments and
// string text are told apart from expressions (string interpolations included), so declarations, references and
// object keys can be found without being fooled by a word inside a description or a comment.
import { readFileSync } from 'node:fs';

export interface BicepParam {
  name: string;
  type: string;
  hasDefault: boolean;
  /** The default when it is a plain string literal. */
  defaultLiteral?: string;
}

export interface BicepModule {
  symbol: string;
  path: string;
  /** The `{ ... }` body (or the body of the loop) in expression text. */
  body: string;
  /** Keys of its `params: { ... }`. */
  params: string[];
  hasScope: boolean;
}

export interface ObjectEntry {
  key: string;
  /** Source text of the value (comments removed), trimmed. */
  value: string;
  /** The value when it is a plain string literal without interpolation. */
  literal?: string;
}

export interface BicepFile {
  path: string;
  /** Source with comments blanked. */
  code: string;
  /** Source with comments and string text blanked; interpolated expressions stay. */
  expr: string;
  targetScope: string;
  params: BicepParam[];
  outputs: string[];
  modules: BicepModule[];
  resources: { symbol: string; type: string; apiVersion: string }[];
  extensions: string[];
}

type CharClass = 'code' | 'text' | 'comment';

/** Classifies every character: expression code, string text, or comment. Handles `${...}` nesting and '''...'''. */
function classify(source: string): CharClass[] {
  const classes: CharClass[] = new Array(source.length);
  // Stack of open contexts: a string (single or multi-line) or an interpolation with its brace depth.
  const stack: ({ kind: 'string'; multiline: boolean } | { kind: 'interp'; depth: number })[] = [];
  let i = 0;
  const mark = (from: number, to: number, cls: CharClass) => {
    for (let k = from; k < to; k++) classes[k] = cls;
  };
  while (i < source.length) {
    const top = stack[stack.length - 1];
    if (top?.kind === 'string') {
      if (top.multiline) {
        if (source.startsWith("'''", i)) {
          mark(i, i + 3, 'text');
          stack.pop();
          i += 3;
        } else {
          mark(i, i + 1, 'text');
          i += 1;
        }
        continue;
      }
      if (source[i] === '\\') {
        mark(i, i + 2, 'text');
        i += 2;
      } else if (source.startsWith('${', i)) {
        mark(i, i + 2, 'text');
        stack.push({ kind: 'interp', depth: 0 });
        i += 2;
      } else if (source[i] === "'") {
        mark(i, i + 1, 'text');
        stack.pop();
        i += 1;
      } else {
        mark(i, i + 1, 'text');
        i += 1;
      }
      continue;
    }
    // Expression code (top level or inside an interpolation).
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      mark(i, stop, 'comment');
      i = stop;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      mark(i, stop, 'comment');
      i = stop;
    } else if (source.startsWith("'''", i)) {
      mark(i, i + 3, 'text');
      stack.push({ kind: 'string', multiline: true });
      i += 3;
    } else if (source[i] === "'") {
      mark(i, i + 1, 'text');
      stack.push({ kind: 'string', multiline: false });
      i += 1;
    } else if (top?.kind === 'interp' && source[i] === '{') {
      top.depth += 1;
      mark(i, i + 1, 'code');
      i += 1;
    } else if (top?.kind === 'interp' && source[i] === '}') {
      if (top.depth === 0) {
        mark(i, i + 1, 'text');
        stack.pop();
      } else {
        top.depth -= 1;
        mark(i, i + 1, 'code');
      }
      i += 1;
    } else {
      mark(i, i + 1, 'code');
      i += 1;
    }
  }
  return classes;
}

function blank(source: string, classes: CharClass[], keep: (cls: CharClass) => boolean): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    out += ch === '\n' || keep(classes[i]!) ? ch : ' ';
  }
  return out;
}

/** Index just past the bracket matching the one at `open` (`{` or `[`), in expression text. */
export function matchBracket(expr: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const closers: string[] = [];
  for (let i = open; i < expr.length; i++) {
    const ch = expr[i]!;
    if (pairs[ch]) closers.push(pairs[ch]);
    else if (ch === closers[closers.length - 1]) {
      closers.pop();
      if (closers.length === 0) return i + 1;
    }
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

/** Top-level `key: value` entries of the object literal whose `{` is at `open` (offsets into the file). */
export function objectEntries(file: Pick<BicepFile, 'code' | 'expr'>, open: number): ObjectEntry[] {
  const close = matchBracket(file.expr, open) - 1;
  const entries: ObjectEntry[] = [];
  let depth = 0;
  let lineStart = open + 1;
  for (let i = open + 1; i <= close; i++) {
    const ch = file.expr[i]!;
    if (ch === '\n' || i === close) {
      lineStart = i + 1;
      continue;
    }
    if (i === lineStart && depth === 0) {
      const lineEnd = file.code.indexOf('\n', i);
      const line = file.code.slice(i, lineEnd === -1 || lineEnd > close ? close : lineEnd);
      const m = /^\s*(?:'([^']+)'|([A-Za-z_][A-Za-z0-9_]*))\s*:\s*(.*)$/.exec(line);
      if (m) {
        const value = m[3]!.trim();
        entries.push({ key: (m[1] ?? m[2])!, value, literal: stringLiteral(value) });
      }
    }
    if (ch === '{' || ch === '[' || ch === '(') depth += 1;
    else if (ch === '}' || ch === ']' || ch === ')') depth -= 1;
  }
  return entries;
}

/** The value of a plain Bicep string literal ('...' without interpolation), else undefined. */
export function stringLiteral(value: string): string | undefined {
  const m = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(value);
  if (!m) return undefined;
  return m[1]!.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

/** Offset of the `{` that opens `<header> {`, e.g. `var appSettings =` or `params:` inside a module body. */
export function findObject(file: Pick<BicepFile, 'expr'>, header: RegExp, from = 0, to = file.expr.length): number | undefined {
  const re = new RegExp(header.source + String.raw`\s*\{`, header.flags.replace('g', '') + 'g');
  re.lastIndex = from;
  const m = re.exec(file.expr);
  if (!m || m.index >= to) return undefined;
  return m.index + m[0].length - 1;
}

export function readBicep(path: string): BicepFile {
  const source = readFileSync(path, 'utf8');
  const classes = classify(source);
  const code = blank(source, classes, (c) => c !== 'comment');
  const expr = blank(source, classes, (c) => c === 'code');

  const params: BicepParam[] = [];
  for (const m of code.matchAll(/^param\s+([A-Za-z_]\w*)\s+([A-Za-z_]\w*)(?:\s*=\s*(.+))?$/gm)) {
    const defaultText = m[3]?.trim();
    params.push({ name: m[1]!, type: m[2]!, hasDefault: defaultText !== undefined, defaultLiteral: defaultText ? stringLiteral(defaultText) : undefined });
  }
  const outputs = [...code.matchAll(/^output\s+([A-Za-z_]\w*)\s/gm)].map((m) => m[1]!);
  const resources = [...code.matchAll(/^\s*resource\s+([A-Za-z_]\w*)\s+'([^'@]+)@([^']+)'/gm)].map((m) => ({
    symbol: m[1]!,
    type: m[2]!,
    apiVersion: m[3]!,
  }));
  const extensions = [...code.matchAll(/^extension\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]!);
  const targetScope = /^targetScope\s*=\s*'([^']+)'/m.exec(code)?.[1] ?? 'resourceGroup';

  const modules: BicepModule[] = [];
  for (const m of code.matchAll(/^module\s+([A-Za-z_]\w*)\s+'([^']+)'\s*=\s*/gm)) {
    const start = m.index + m[0].length;
    const end = matchBracket(expr, start);
    const body = expr.slice(start, end);
    const paramsOpen = findObject({ expr }, /\bparams\s*:/, start, end);
    modules.push({
      symbol: m[1]!,
      path: m[2]!,
      body,
      params: paramsOpen === undefined ? [] : objectEntries({ code, expr }, paramsOpen).map((e) => e.key),
      hasScope: /^\s*scope\s*:/m.test(body),
    });
  }
  return { path, code, expr, targetScope, params, outputs, modules, resources, extensions };
}

/** Whether `name` is referenced as an expression (not as a property key, a member name, or its own declaration). */
export function isReferenced(file: BicepFile, name: string, declaration: RegExp): boolean {
  const lines = file.expr.split('\n');
  return lines.some((line) => {
    if (declaration.test(line)) return false;
    const re = new RegExp(String.raw`(^|[^.\w])${name}(?!\w)`, 'g');
    for (const m of line.matchAll(re)) {
      const after = line.slice(m.index + m[0].length);
      const before = line.slice(0, m.index + m[1]!.length);
      const isKey = /^\s*$/.test(before) && /^\s*:/.test(after);
      if (!isKey) return true;
    }
    return false;
  });
}
