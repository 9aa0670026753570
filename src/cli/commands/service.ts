/**
 * `ports service install|uninstall|status`: the daemon as a systemd user service with socket
 * activation (units from service-units.ts, files from service-files.ts, systemctl run directly).
 */
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN_PATH } from '../../client/spawn-daemon.js';
import { locateSocket } from '../../client/locate.js';
import { PortsError } from '../../errors.js';
import { socketPathProblem } from '../../shared/paths.js';
import { createSystemctl, systemctlLine, type Systemctl, type SystemctlResult } from '../../system/systemctl.js';
import { PACKAGE_VERSION } from '../../version.js';
import type { CliContext, CommonFlags } from '../context.js';
import { readUnitFile, removeUnitFile, removeWantsLink, userUnitDir, writeUnitFile, type UnitFile } from '../service-files.js';
import { CARRIED_VARIABLES, listenStreamOf, renderUnits, SERVICE_UNIT, SOCKET_UNIT } from '../service-units.js';
import { connectIfRunning, stopDaemon } from './daemon.js';

export interface ServiceFlags extends CommonFlags {
  /** install: show the units, write nothing. */
  print?: boolean;
  /** install --no-start: write the units only. */
  start?: boolean;
}

const UNITS = [SOCKET_UNIT, SERVICE_UNIT] as const;

/** Whether a user manager answers (`is-system-running` says offline, or nothing, when none does). */
async function managerState(systemctl: Systemctl): Promise<{ available: boolean; state: string; reason: string }> {
  const probe = await systemctl(['is-system-running']);
  const state = probe.stdout.trim();
  const available = !probe.missing && state !== '' && state !== 'offline' && state !== 'unknown';
  const reason = probe.missing ? probe.stderr : (probe.stderr.trim().split('\n')[0] ?? '') || `the user manager is ${state || 'not reachable'}`;
  return { available, state: state || 'unreachable', reason };
}

function planUnits(ctx: CliContext) {
  const home = homedir();
  const socketPath = locateSocket(ctx.env, home);
  const tooLong = socketPathProblem(socketPath);
  if (tooLong) throw new PortsError('E_PATH', tooLong, { socket: socketPath });
  const environment = CARRIED_VARIABLES.flatMap((name) => {
    const value = ctx.env[name];
    return value ? [[name, resolve(value)] as const] : [];
  });
  const rendered = renderUnits({ node: process.execPath, bin: realpathSync(BIN_PATH), socketPath, runtimeDir: ctx.env['XDG_RUNTIME_DIR'], environment, version: PACKAGE_VERSION });
  if (!rendered.ok) throw new PortsError('E_USAGE', `Cannot write the systemd units: ${rendered.problems.join('; ')}`, { problems: rendered.problems });
  const dir = userUnitDir(ctx.env, home);
  const units = [
    { name: SOCKET_UNIT, path: join(dir, SOCKET_UNIT), text: rendered.socketUnit },
    { name: SERVICE_UNIT, path: join(dir, SERVICE_UNIT), text: rendered.serviceUnit },
  ];
  return { dir, socketPath, listenStream: rendered.listenStream, warnings: rendered.warnings, units };
}

function refuseForeign(files: UnitFile[], what: string): void {
  const foreign = files.filter((file) => file.present && !file.ours);
  if (foreign.length === 0) return;
  const paths = foreign.map((file) => file.path);
  throw new PortsError('E_PATH', `${paths.join(' and ')} ${paths.length > 1 ? 'were' : 'was'} not written by ports service install; ${what}`, { paths });
}

/** Stop a daemon the CLI started on `socketPath` (systemd would take its path away); one systemd started stays. */
async function stopAutostarted(ctx: CliContext, socketPath: string): Promise<number | null> {
  const client = await connectIfRunning(ctx, socketPath).catch(() => null);
  if (client) {
    const activated = client.daemon?.socketActivated === true;
    await client.close();
    if (activated) return null;
  }
  return (await stopDaemon(ctx, socketPath))?.pid ?? null;
}

function failed(step: SystemctlResult): string {
  return `${systemctlLine(step.args.slice(1))} failed (exit ${step.code ?? 'none'}): ${step.stderr.trim().split('\n')[0] || 'no message'}`;
}

export async function runServiceInstall(flags: ServiceFlags, ctx: CliContext, systemctl: Systemctl = createSystemctl(ctx.env)): Promise<number> {
  const plan = planUnits(ctx);
  if (!flags.json) for (const warning of plan.warnings) ctx.out.message(`warning: ${warning}`);
  if (flags.print) {
    if (flags.json) ctx.out.json({ units: plan.units, socket: plan.socketPath, listenStream: plan.listenStream, warnings: plan.warnings });
    else ctx.out.result(plan.units.map((unit) => `# ${unit.path}\n${unit.text}`).join('\n'));
    return 0;
  }
  const current = await Promise.all(UNITS.map((name) => readUnitFile(plan.dir, name)));
  refuseForeign(current, 'move it away first; nothing was written');
  const reinstall = current.some((file) => file.ours);
  for (const unit of plan.units) await writeUnitFile(unit.path, unit.text);
  const written = plan.units.map((unit) => unit.path);
  // A re-install restarts both units so a new path or ExecStart applies.
  const steps = reinstall ? [['daemon-reload'], ['stop', SERVICE_UNIT], ['enable', SOCKET_UNIT], ['restart', SOCKET_UNIT]] : [['daemon-reload'], ['enable', '--now', SOCKET_UNIT]];
  const toRun = steps.map(systemctlLine);
  const base = { written, socket: plan.socketPath, listenStream: plan.listenStream, warnings: plan.warnings };
  const notStarted = (why: string, exitCode: number): number => {
    if (flags.json) ctx.out.json({ ...base, installed: true, started: false, reason: why, run: toRun });
    else ctx.out.message([...written.map((path) => `wrote ${path}`), why, 'to start it, run:', ...toRun.map((line) => `  ${line}`)].join('\n'));
    return exitCode;
  };
  if (flags.start === false) return notStarted('not started (--no-start)', 0);
  const manager = await managerState(systemctl);
  if (!manager.available) return notStarted(`ports: systemctl --user is not available here (${manager.reason}); on a host without a login session, run loginctl enable-linger $USER first`, 1);
  let stoppedPid: number | null = null;
  for (const [index, args] of steps.entries()) {
    const step = await systemctl(args);
    if (step.code !== 0) return notStarted(`ports: ${failed(step)}`, 1);
    // After daemon-reload (the manager answers) and before systemd binds the path.
    if (index === 0) stoppedPid = await stopAutostarted(ctx, plan.socketPath);
  }
  if (flags.json) {
    ctx.out.json({ ...base, installed: true, started: true, stoppedPid, ran: toRun });
  } else {
    ctx.out.message(written.map((path) => `wrote ${path}`).join('\n'));
    if (stoppedPid !== null) ctx.out.message(`stopped the daemon the CLI had started (pid ${stoppedPid}); systemd holds its socket now`);
    ctx.out.message(`${SOCKET_UNIT} is enabled and listening on ${plan.socketPath}; the daemon starts on the first connection (logs: journalctl --user -u portkeeper)`);
  }
  return 0;
}

export async function runServiceUninstall(flags: CommonFlags, ctx: CliContext, systemctl: Systemctl = createSystemctl(ctx.env)): Promise<number> {
  const dir = userUnitDir(ctx.env, homedir());
  const current = await Promise.all(UNITS.map((name) => readUnitFile(dir, name)));
  if (!current.some((file) => file.present)) {
    if (flags.json) ctx.out.json({ installed: false, removed: [] });
    else ctx.out.message(`no portkeeper units in ${dir}: nothing to uninstall`);
    return 0;
  }
  refuseForeign(current, 'left alone: remove it yourself');
  const manager = await managerState(systemctl);
  const problems: string[] = [];
  if (manager.available) {
    for (const args of [['disable', '--now', SOCKET_UNIT], ['stop', SERVICE_UNIT]]) {
      const step = await systemctl(args);
      if (step.code !== 0) problems.push(failed(step));
    }
  }
  const removed = current.filter((file) => file.present).map((file) => file.path);
  for (const path of removed) await removeUnitFile(path);
  // Without a manager nothing runs; only the enable link is left to remove.
  const socketFile = current[0] as UnitFile;
  if (!manager.available) await removeWantsLink(dir, socketFile.path);
  else {
    const reload = await systemctl(['daemon-reload']);
    if (reload.code !== 0) problems.push(failed(reload));
  }
  if (flags.json) {
    ctx.out.json({ installed: false, removed, systemd: manager.available, problems });
  } else {
    ctx.out.message(removed.map((path) => `removed ${path}`).join('\n'));
    if (!manager.available) ctx.out.message(`systemctl --user is not available here (${manager.reason}): nothing was running under it`);
    for (const problem of problems) ctx.out.message(`ports: ${problem}`);
  }
  return problems.length > 0 ? 1 : 0;
}

export async function runServiceStatus(flags: CommonFlags, ctx: CliContext, systemctl: Systemctl = createSystemctl(ctx.env)): Promise<number> {
  const dir = userUnitDir(ctx.env, homedir());
  const current = await Promise.all(UNITS.map((name) => readUnitFile(dir, name)));
  const installed = current.every((file) => file.ours);
  const listenStream = current[0]?.ours ? listenStreamOf(current[0].text ?? '') : null;
  const manager = await managerState(systemctl);
  const states: Record<string, { active: string; enabled: string }> = {};
  if (manager.available) {
    for (const name of UNITS) {
      const [active, enabled] = await Promise.all([systemctl(['is-active', name]), systemctl(['is-enabled', name])]);
      states[name] = { active: active.stdout.trim() || 'unknown', enabled: enabled.stdout.trim() || 'unknown' };
    }
  }
  const units = current.map((file) => ({ name: file.name, path: file.path, present: file.present, ours: file.ours, ...states[file.name] }));
  if (flags.json) {
    ctx.out.json({ installed, dir, listenStream, units, systemd: manager.available ? { available: true, state: manager.state } : { available: false, state: manager.state, reason: manager.reason } });
    return 0;
  }
  ctx.out.result(`installed: ${installed ? 'yes' : current.some((file) => file.present) ? 'partly (run ports service install again)' : 'no'}`);
  for (const unit of units) {
    const where = unit.present ? (unit.ours ? unit.path : `${unit.path} (not written by ports service install)`) : `${unit.path} (absent)`;
    const state = unit.active !== undefined ? `: ${unit.enabled}, ${unit.active}` : '';
    ctx.out.result(`${unit.name}${state} — ${where}`);
  }
  if (listenStream !== null) ctx.out.result(`socket: ${listenStream}`);
  if (!manager.available) ctx.out.result(`systemd: systemctl --user is not available here (${manager.reason})`);
  return 0;
}
