import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_DIR } from './docs.js';
import { renderManPage } from './man-page.js';

const page = (markdown: string) => renderManPage({ markdown, version: '9.9.9', description: 'One authority for ports.', otherDocs: ['health.md'] });
const groff = spawnSync('groff', ['--version'], { encoding: 'utf8' }).status === 0;

describe('renderManPage', () => {
  const roff = page(
    [
      '# The `ports` CLI',
      '',
      'Intro text.',
      '',
      '```',
      'ports allocate [SERVICE]',
      '.dangerous line',
      '```',
      '',
      '## Exit codes',
      '',
      '### Detail',
      '',
      'x',
      '',
      '## `ports allocate [SERVICE]`',
      '',
      'Hand out a port.',
      '',
      '### The default owner pid',
      '',
      '## Environment',
      '',
      'e',
      '',
      '## `ports who`',
      '',
      "'quoted at the start",
    ].join('\n'),
  );

  it('has NAME, SYNOPSIS (the first code block), DESCRIPTION, the sections, and SEE ALSO', () => {
    const lines = roff.split('\n');
    const headings = lines.filter((line) => /^\.(SH|SS|TH) /.test(line));
    expect(headings).toEqual([
      '.TH PORTS 1 "" "portkeeper 9.9.9" "User Commands"',
      '.SH NAME',
      '.SH SYNOPSIS',
      '.SH DESCRIPTION',
      '.SH "EXIT CODES"',
      '.SS "Detail"',
      '.SH COMMANDS',
      '.SS "ports allocate [SERVICE]"',
      '.SS "ports who"',
      '.SH "ENVIRONMENT"',
      '.SH "SEE ALSO"',
    ]);
    expect(lines[lines.indexOf('.SH NAME') + 1]).toBe('ports \\- One authority for ports');
    expect(roff).toContain('.nf\nports allocate [SERVICE]\n\\&.dangerous line\n.fi\n.SH DESCRIPTION\n.PP\nIntro text.\n');
    expect(roff).toContain('.PP\n.B "The default owner pid"\n');
    expect(roff).toContain('\\(aqquoted at the start');
    expect(roff).toContain('\\fBhealth.md\\fR');
  });

  it.skipIf(!groff)('renders the page of the shipped docs/cli.md with groff, no warning (groff -man -ww -z)', () => {
    const markdown = readFileSync(join(DOCS_DIR, 'cli.md'), 'utf8');
    const result = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: renderManPage({ markdown, version: '0.0.0', description: 'd', otherDocs: [] }), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
