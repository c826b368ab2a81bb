/**
 * Apache ECharts, loaded on first use: only the QC page pays for it, in a chunk of its own,
 * and only for the parts it draws with (echarts-parts.ts).
 */
import type { EChartsType } from 'echarts/core';

export type { EChartsType };

export type ECharts = typeof import('./echarts-parts.ts');

let loading: Promise<ECharts> | null = null;

export function loadECharts(): Promise<ECharts> {
  loading ??= import('./echarts-parts.ts');
  return loading;
}
