import { describe, expect, it } from 'vitest';
import { connectionBudget } from './connection-budget.js';

describe('connectionBudget', () => {
  it('keeps a reserve of descriptors for the daemon under a low limit', () => {
    expect(connectionBudget({ configured: 1024, fdLimit: { soft: 256, hard: 256 }, portserver: false })).toEqual({
      fdLimit: 256, reserve: 96, main: 160, portserver: 0, limitedByFds: true,
    });
  });

  it('caps at 1024 descriptors below the configured 1024 connections', () => {
    const budget = connectionBudget({ configured: 1024, fdLimit: { soft: 1024, hard: 1024 }, portserver: false });
    expect(budget).toMatchObject({ reserve: 128, main: 896, limitedByFds: true });
  });

  it('lets limits.max_connections decide when descriptors are plenty', () => {
    expect(connectionBudget({ configured: 1024, fdLimit: { soft: 1_048_576, hard: 1_048_576 }, portserver: true })).toMatchObject({
      main: 1024, portserver: 1024, limitedByFds: false,
    });
  });

  it('gives a portserver socket a quarter of what is left, and the main socket the rest', () => {
    expect(connectionBudget({ configured: 1024, fdLimit: { soft: 1024, hard: 1024 }, portserver: true })).toMatchObject({ main: 672, portserver: 224 });
  });

  it('never drops below a handful of connections, and trusts the config when the limit is unknown', () => {
    expect(connectionBudget({ configured: 1024, fdLimit: { soft: 64, hard: 64 }, portserver: false }).main).toBe(8);
    expect(connectionBudget({ configured: 50, fdLimit: null, portserver: false })).toMatchObject({ main: 50, reserve: 0, limitedByFds: false });
  });
});
