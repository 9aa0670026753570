/**
 * The default owner tag of `allocate` and `run`: the CI job when a CI environment is detected,
 * so one job's `ports cleanup --owner TAG` finds everything that job started. Pure.
 */
const PROVIDERS: Array<{ prefix: string; vars: string[] }> = [
  // RUNNER_NAME tells apart matrix legs sharing one self-hosted host.
  { prefix: 'gh', vars: ['GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT', 'GITHUB_JOB', 'RUNNER_NAME'] },
  { prefix: 'gl', vars: ['CI_JOB_ID'] },
  { prefix: 'bk', vars: ['BUILDKITE_JOB_ID'] },
  { prefix: 'circle', vars: ['CIRCLE_WORKFLOW_JOB_ID'] },
  { prefix: 'jenkins', vars: ['BUILD_TAG'] },
  { prefix: 'travis', vars: ['TRAVIS_JOB_ID'] },
  { prefix: 'azure', vars: ['SYSTEM_JOBID'] },
];

export function ciOwner(env: NodeJS.ProcessEnv): string | null {
  for (const { prefix, vars } of PROVIDERS) {
    const first = env[vars[0] ?? ''];
    if (!first) continue;
    const parts = vars.map((name) => env[name]).filter((value): value is string => Boolean(value));
    const tag = `${prefix}-${parts.join('-')}`.replace(/[^\x21-\x7e]/g, '_').slice(0, 128);
    return tag;
  }
  return null;
}
