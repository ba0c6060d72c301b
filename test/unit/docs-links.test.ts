// The documents a new user reads link only to files of this repository that exist: a fresh
// clone has nothing else.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const DOCUMENTS = ['README.md', 'DEPLOY.md', 'local/sandbox/README.md', ...readdirSync(join(REPO, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

describe.each(DOCUMENTS)('%s', (document) => {
  it('links only to files inside the repository that exist', () => {
    const text = readFileSync(join(REPO, document), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1] ?? '').filter((target) => !/^https?:/.test(target));
    const broken = targets.filter((target) => {
      const path = resolve(dirname(join(REPO, document)), target);
      return relative(REPO, path).startsWith('..') || !existsSync(path);
    });
    expect(broken).toEqual([]);
  });

  it('names no path outside the repository', () => {
    expect(readFileSync(join(REPO, document), 'utf8')).not.toMatch(/\.\.\/\.\.\/\.\.\/|\/work\/shared/);
  });
});
