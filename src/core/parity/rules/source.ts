/**
 * Source rules, by pattern over the text of each file (no per-language parser: they would cost
 * more than the whole check and still miss dynamic code). Each pattern names the construct a
 * developer would recognise — `os.Getenv("X")`, `logging.FileHandler(...)`, express-session with
 * no store — so a finding reads like the line it points at.
 */
import type { Hit, Rule } from '../model';
import type { RepoFile, SourceLanguage } from '../scanner';
import { TextIndex } from '../text';
import type { Position } from '../model';

type Span = (offset: number, length: number) => { start: Position; end: Position };

export const SOURCE_RULES: Rule[] = [
  {
    id: 'log-to-file',
    severity: 'error',
    area: 'source',
    title: 'The app writes its logs to a file',
    explanation: 'Logs written to a file inside the container never reach `docker logs`, `kubectl logs` or the central collector; they vanish with the container and fill its disk. Twelve-factor apps write an unbuffered event stream to stdout and let the platform route it.',
    fix: 'Log to stdout/stderr (console transport, StreamHandler(sys.stdout), ConsoleAppender, `access_log /dev/stdout`), and let the platform collect it.',
  },
  {
    id: 'config-file-read',
    severity: 'warning',
    area: 'source',
    title: 'Configuration is read from a file at run time',
    explanation: 'Reading settings from a file the image carries means local and production use whatever file was baked in or mounted, and each environment needs its own image or mount. Environment variables are set per deploy and visible in the manifest.',
    fix: 'Read each setting from an environment variable (with a safe local default), and provide it in the manifest.',
  },
  {
    id: 'session-in-memory',
    severity: 'error',
    area: 'source',
    title: 'Sessions are kept in process memory',
    explanation: 'An in-memory session store (express-session\'s default MemoryStore, a local-memory cache, file sessions) is private to one process: with two replicas users are logged out at random, and every deploy or restart logs everyone out. It also leaks memory.',
    fix: 'Use a shared store (connect-redis, a database-backed store, Django\'s cache backend on Redis) or signed cookie sessions.',
  },
];

export interface EnvRead {
  name: string;
  file: string;
  start: { line: number; column: number };
  end: { line: number; column: number };
  /** True when the code supplies a default, so a missing variable changes behaviour silently. */
  hasDefault: boolean;
}

type Pattern = { re: RegExp; group: number; defaultGroup?: number };

// Each pattern captures the variable name in `group`; `defaultGroup` matches a fallback after it.
const ENV_READS: Record<SourceLanguage, Pattern[]> = {
  js: [
    { re: /\bprocess\.env\.([A-Za-z_][A-Za-z0-9_]*)(\s*(?:\|\||\?\?))?/g, group: 1, defaultGroup: 2 },
    { re: /\bprocess\.env\[\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\](\s*(?:\|\||\?\?))?/g, group: 1, defaultGroup: 2 },
    { re: /\bimport\.meta\.env\.([A-Za-z_][A-Za-z0-9_]*)(\s*(?:\|\||\?\?))?/g, group: 1, defaultGroup: 2 },
    { re: /\bDeno\.env\.get\(\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\)(\s*(?:\|\||\?\?))?/g, group: 1, defaultGroup: 2 },
  ],
  python: [
    { re: /\bos\.environ\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]/g, group: 1 },
    { re: /\b(?:os\.environ\.get|os\.getenv|environ\.get|getenv)\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*(,)?/g, group: 1, defaultGroup: 2 },
  ],
  go: [{ re: /\bos\.(?:Getenv|LookupEnv)\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/g, group: 1 }],
  java: [{ re: /\bSystem\.getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/g, group: 1 }],
  ruby: [
    { re: /\bENV\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\](\s*\|\|)?/g, group: 1, defaultGroup: 2 },
    { re: /\bENV\.fetch\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*(,|\)\s*\{)?/g, group: 1, defaultGroup: 2 },
  ],
  shell: [],
  php: [
    { re: /\bgetenv\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\)(\s*(?:\?:|\?\?))?/g, group: 1, defaultGroup: 2 },
    { re: /\$_(?:ENV|SERVER)\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\](\s*\?\?)?/g, group: 1, defaultGroup: 2 },
  ],
};

/** `const { A, B: b, C = 1 } = process.env` */
const JS_DESTRUCTURE = /\{([^{}]*)\}\s*=\s*process\.env\b/g;

const LOG_TO_FILE: Record<SourceLanguage, RegExp[]> = {
  js: [
    /\bnew\s+(?:winston\.)?transports\.File\s*\(/g,
    /\bfs\.(?:createWriteStream|appendFileSync|appendFile|openSync)\(\s*['"`][^'"`]*\.log['"`]/g,
    /\bpino\.destination\(\s*['"`][^'"`]*\.log['"`]/g,
    /\btype:\s*['"](?:file|dateFile|fileSync)['"]/g,
  ],
  python: [/\blogging\.(?:handlers\.)?(?:FileHandler|RotatingFileHandler|TimedRotatingFileHandler|WatchedFileHandler)\(/g, /\b(?:Rotating|TimedRotating|Watched)?FileHandler\(/g, /\bbasicConfig\([^)]*\bfilename\s*=/g],
  go: [/\bos\.(?:OpenFile|Create)\(\s*"[^"]*(?:\.log|\/logs?\/)[^"]*"/g, /\blumberjack\.Logger\s*\{/g],
  java: [/\bnew\s+(?:java\.util\.logging\.)?FileHandler\(/g],
  ruby: [/\b(?:Logger|ActiveSupport::Logger)\.new\(\s*(?:['"][^'"]*\.log['"]|File\.|Rails\.root)/g],
  shell: [/(?:^|[^\w>&-])[12]?>>?\s*"?((?:[^\s"'&;|)]*\/logs?\/[^\s"'&;|)]*)|(?:[^\s"'&;|)]+\.log))"?/gm],
  php: [/\bnew\s+(?:\\?Monolog\\Handler\\)?(?:Stream|RotatingFile)Handler\(\s*['"](?!php:\/\/std)[^'"]+['"]/g, /\berror_log\([^;]*,\s*3\s*,/g],
};

const CONFIG_NAME = String.raw`[^'"\x60]*(?:\.(?:conf|ini|properties|toml)|(?:^|/)(?:config|settings|application)[\w.-]*\.(?:json|ya?ml|toml))`;

const CONFIG_READ: Record<SourceLanguage, RegExp[]> = {
  js: [new RegExp(String.raw`\b(?:fs\.)?(?:readFileSync|readFile)\(\s*['"\x60](${CONFIG_NAME})['"\x60]`, 'g')],
  python: [new RegExp(String.raw`\bopen\(\s*['"](${CONFIG_NAME})['"]`, 'g'), new RegExp(String.raw`\.read\(\s*['"](${CONFIG_NAME})['"]`, 'g')],
  go: [new RegExp(String.raw`\bos\.(?:ReadFile|Open)\(\s*"(${CONFIG_NAME})"`, 'g'), /\bviper\.(?:SetConfigFile|ReadInConfig)\(/g],
  java: [new RegExp(String.raw`\bnew\s+(?:FileInputStream|FileReader)\(\s*"(${CONFIG_NAME})"`, 'g'), new RegExp(String.raw`\bPaths?\.(?:get|of)\(\s*"(${CONFIG_NAME})"`, 'g')],
  ruby: [new RegExp(String.raw`\b(?:YAML\.load_file|File\.read|JSON\.parse\(File\.read)\(\s*['"](${CONFIG_NAME})['"]`, 'g')],
  shell: [/(?<![\w$>])(\/?(?:[\w.-]+\/)*[\w-][\w.-]*\.(?:conf|ini|properties|toml)|(?:[\w.-]+\/)*config[\w.-]*\.(?:json|ya?ml|toml))(?![\w.])/g],
  php: [new RegExp(String.raw`\b(?:parse_ini_file|file_get_contents)\(\s*['"](${CONFIG_NAME})['"]`, 'g')],
};

const SESSION_IN_MEMORY: Record<SourceLanguage, RegExp[]> = {
  js: [/\bnew\s+(?:session\.)?MemoryStore\(/g, /\brequire\(\s*['"]memorystore['"]\s*\)|from\s+['"]memorystore['"]/g],
  python: [/\bSESSION_TYPE\s*=\s*['"](?:filesystem|null)['"]/g, /['"]django\.contrib\.sessions\.backends\.file['"]/g, /['"]django\.core\.cache\.backends\.locmem\.LocMemCache['"]/g],
  go: [/\bmemstore\.NewStore\(/g, /\bsessions\.NewFilesystemStore\(/g],
  java: [],
  shell: [],
  ruby: [/\bsession_store\s+:(?:memory_store|cache_store)\b/g],
  php: [/\bini_set\(\s*['"]session\.save_handler['"]\s*,\s*['"]files['"]/g],
};

/** Test files read env vars of the CI and the test runner, not of the app. */
export function isTestFile(path: string): boolean {
  return /(^|\/)(test|tests|__tests__|spec|specs|testdata|fixtures|e2e)\//.test(path) || /[._-](test|spec)\.[a-z]+$/.test(path) || /_test\.go$/.test(path) || /(^|\/)test_[^/]+\.py$/.test(path);
}

export interface SourceResult {
  hits: Hit[];
  envReads: EnvRead[];
}

export function checkSource(file: RepoFile): SourceResult {
  const lang = file.language!;
  // Shell comments are blanked (same length, so offsets still point into the file).
  const text = lang === 'shell' ? file.text.replace(/(^|[ \t])#(?!!)[^\n]*/gm, (m) => ' '.repeat(m.length)) : file.text;
  const hits: Hit[] = [];
  const envReads: EnvRead[] = [];
  let index: TextIndex | undefined;
  const idx = () => (index ??= new TextIndex(text));
  const span = (offset: number, length: number) => ({ start: idx().position(offset), end: idx().position(offset + length) });

  const test = isTestFile(file.path);
  if (!test && (lang === 'shell' || /env|ENV|getenv/.test(text))) {
    for (const p of ENV_READS[lang]) {
      for (const m of text.matchAll(p.re)) {
        const name = m[p.group]!;
        const off = m.index + m[0].indexOf(name);
        envReads.push({ name, file: file.path, ...span(off, name.length), hasDefault: p.defaultGroup !== undefined && m[p.defaultGroup] !== undefined });
      }
    }
    if (lang === 'shell') shellEnvReads(text, file.path, span, envReads);
    if (lang === 'js') {
      for (const m of text.matchAll(JS_DESTRUCTURE)) {
        let cursor = m.index + 1;
        for (const part of m[1]!.split(',')) {
          const pm = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(part);
          if (pm) envReads.push({ name: pm[1]!, file: file.path, ...span(cursor + pm[0].length - pm[1]!.length, pm[1]!.length), hasDefault: part.includes('=') });
          cursor += part.length + 1;
        }
      }
    }
  }
  if (test) return { hits, envReads };

  for (const re of LOG_TO_FILE[lang]) {
    for (const m of text.matchAll(re)) {
      const lead = lang === 'shell' ? m[0].length - m[0].trimStart().length : 0;
      const shown = lang === 'shell' ? `output is written to ${m[1]}` : `\`${oneLine(m[0])}\``;
      hits.push({ ruleId: 'log-to-file', message: `Logs go to a file: ${shown}.`, ...span(m.index + lead, m[0].length - lead), ...(lang === 'shell' ? { data: { path: m[1]! } } : {}) });
    }
  }
  for (const re of CONFIG_READ[lang]) {
    for (const m of text.matchAll(re)) {
      const what = m[1] ? `reads ${m[1]} at run time` : `reads a configuration file at run time (\`${oneLine(m[0])}\`)`;
      hits.push({ ruleId: 'config-file-read', message: `The app ${what}; read settings from environment variables.`, ...span(m.index, m[0].length), ...(m[1] ? { data: { file: m[1] } } : {}) });
    }
  }
  for (const re of SESSION_IN_MEMORY[lang]) {
    for (const m of text.matchAll(re)) {
      hits.push({ ruleId: 'session-in-memory', message: `Sessions are kept in process memory: \`${oneLine(m[0])}\`.`, ...span(m.index, m[0].length) });
    }
  }
  if (lang === 'js') expressSessionWithoutStore(text, span, hits);
  return { hits, envReads };
}

/** Set by the shell, the CGI gateway or the runtime: never configuration. */
const SHELL_SPECIAL = /^(PATH|HOME|PWD|OLDPWD|IFS|PS\d|RANDOM|LINENO|SECONDS|UID|EUID|PPID|OPTARG|OPTIND|HOSTNAME|USER|SHELL|TERM|BASH\w*|QUERY_STRING|REQUEST_METHOD|REQUEST_URI|CONTENT_LENGTH|CONTENT_TYPE|REMOTE_\w+|HTTP_\w+|SERVER_\w+|SCRIPT_\w+|PATH_INFO|GATEWAY_INTERFACE|DOCUMENT_ROOT)$/;

/**
 * Upper-case `$NAME` / `${NAME…}` that the script does not assign itself: by convention those come
 * from the environment. Lower-case names are the script's own variables.
 */
function shellEnvReads(text: string, path: string, span: Span, out: EnvRead[]): void {
  const assigned = new Set<string>();
  for (const m of text.matchAll(/(?:^|[\s;&|(])(?:export\s+|local\s+|readonly\s+)?([A-Z_][A-Z0-9_]*)=/gm)) assigned.add(m[1]!);
  for (const m of text.matchAll(/(?:^|[\s;&|(])(?:read(?:\s+-\w+)*|for)\s+([A-Z_][A-Z0-9_]*)\b/gm)) assigned.add(m[1]!);
  for (const m of text.matchAll(/\$(?:\{([A-Z_][A-Z0-9_]*)(:?[-=?+])?|([A-Z_][A-Z0-9_]*)\b)/g)) {
    const name = m[1] ?? m[3]!;
    if (assigned.has(name) || SHELL_SPECIAL.test(name)) continue;
    const off = m.index + m[0].indexOf(name);
    out.push({ name, file: path, ...span(off, name.length), hasDefault: m[2] !== undefined && m[2].endsWith('-') || m[2]?.endsWith('=') === true });
  }
}

/** express-session falls back to MemoryStore when `store` is not given. */
function expressSessionWithoutStore(text: string, span: Span, hits: Hit[]): void {
  const imp = /(?:require\(\s*['"]express-session['"]\s*\)|from\s+['"]express-session['"])/.exec(text);
  if (!imp) return;
  const binding = /(?:const|let|var|import)\s+(\w+)\s*(?:=\s*require\(\s*['"]express-session|from\s+['"]express-session)/.exec(text)?.[1] ?? 'session';
  for (const m of text.matchAll(new RegExp(String.raw`\b${binding}\(\s*\{`, 'g'))) {
    const body = balancedBody(text, m.index + m[0].length - 1);
    if (!/\bstore\s*:/.test(body)) {
      hits.push({ ruleId: 'session-in-memory', message: `express-session is used without a \`store\`: it keeps sessions in its MemoryStore.`, ...span(m.index, m[0].length) });
    }
  }
}

function balancedBody(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length && i < open + 5000; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open, open + 5000);
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 60 ? t.slice(0, 57) + '…' : t;
}

/** nginx `access_log`/`error_log` to a file that is not /dev/stdout or /dev/stderr (or a link to them). */
export function checkNginx(file: RepoFile, linkedToStdio: Set<string>): Hit[] {
  const hits: Hit[] = [];
  let idx: TextIndex | undefined;
  for (const m of file.text.matchAll(/^[ \t]*(access_log|error_log)\s+([^\s;]+)/gm)) {
    const target = m[2]!;
    if (target === 'off' || /^\/dev\/(stdout|stderr)$/.test(target) || target.startsWith('syslog:') || linkedToStdio.has(target)) continue;
    idx ??= new TextIndex(file.text);
    const off = m.index + m[0].indexOf(m[1]!);
    hits.push({ ruleId: 'log-to-file', message: `nginx ${m[1]} writes to ${target}, which is not linked to /dev/stdout or /dev/stderr.`, start: idx.position(off), end: idx.position(m.index + m[0].length), data: { path: target } });
  }
  return hits;
}

/** logback/log4j file appenders. */
export function checkJavaLogging(file: RepoFile): Hit[] {
  const hits: Hit[] = [];
  let idx: TextIndex | undefined;
  const re = /(ch\.qos\.logback\.core\.(?:rolling\.Rolling)?FileAppender|org\.apache\.log4j\.(?:\w*)FileAppender|<(?:RollingFile|File|RollingRandomAccessFile)\b)/g;
  for (const m of file.text.matchAll(re)) {
    idx ??= new TextIndex(file.text);
    hits.push({ ruleId: 'log-to-file', message: `A file appender (${m[1]!.replace(/^</, '')}) writes logs to a file.`, start: idx.position(m.index), end: idx.position(m.index + m[0].length) });
  }
  return hits;
}
