// SPDX-License-Identifier: Apache-2.0
// The dashboard: the counters, and the attacks-per-hour chart drawn on
// its canvas: its pixels are read back and must show the axes, labels and
// (after the bans just made) the bars; PNG screenshots are saved.

import fs from 'node:fs';
import path from 'node:path';
import { assert, apiGet, env, open, shot } from './lib.mjs';

export const title = 'the dashboard chart renders (canvas pixels checked, screenshots saved)';

export async function run(S) {
  const { page } = S.admin;
  await open(page, 'dashboard');
  const api = await apiGet(page, '/dashboard');
  assert.equal(api.status, 200, `GET /dashboard: ${JSON.stringify(api.body)}`);
  const perHour = api.body.attacks_per_hour;
  assert.equal(perHour.length, 24, '24 hours');
  const attacks = perHour.reduce((s, b) => s + b.n, 0);
  assert.ok(attacks >= 1, `the bans just made count as attacks (${attacks})`);
  for (const k of ['registrations', 'calls_active', 'bans_active', 'events_24h']) {
    const v = await page.locator(`[data-stat="${k}"] .stat-value`).textContent();
    assert.equal(v, String(api.body[k]), `card ${k}`);
  }

  const canvas = page.locator('#attacks-chart');
  await page.waitForFunction(() => document.getElementById('attacks-chart').dataset.drawn);
  const px = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const bg = [d[0], d[1], d[2]];
    const colours = new Set();
    let other = 0;
    let bar = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      if (d[i] !== bg[0] || d[i + 1] !== bg[1] || d[i + 2] !== bg[2]) other += 1;
      if (d[i] === 0xc2 && d[i + 1] === 0x41 && d[i + 2] === 0x0c) bar += 1;
    }
    return { w: c.width, h: c.height, colours: colours.size, other, bar, total: d.length / 4 };
  });
  assert.ok(px.w >= 300 && px.h >= 150, `canvas size ${px.w}x${px.h}`);
  assert.ok(px.colours >= 4, `distinct colours: ${px.colours}`);
  assert.ok(px.other / px.total >= 0.005, `non-background pixels: ${px.other} of ${px.total}`);
  assert.ok(px.bar >= 20, `bar pixels: ${px.bar}`);

  const chartFile = path.join(env.shots, 'dashboard-chart.png');
  fs.mkdirSync(env.shots, { recursive: true });
  await canvas.screenshot({ path: chartFile });
  const png = fs.readFileSync(chartFile);
  assert.ok(png.subarray(1, 4).toString() === 'PNG' && png.length > 2000, `chart screenshot ${png.length} bytes`);
  await shot(page, 'dashboard');
}
